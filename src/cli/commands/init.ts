import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { configLocation } from "../../config/paths.js";
import { starterConfig } from "../../config/starter-config.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

/** `hearth init`: writes the starter config; never overwrites a file. */
export function init(io: CliIo, options: GlobalOptions): number {
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  if (existsSync(location.file)) {
    throw new HearthError("runtime", `${location.file} already exists; hearth init never overwrites a config`, [
      `fix: edit it, check it with \`${commandLine(io, "config validate")}\`, or give another path with --config`,
    ]);
  }
  mkdirSync(dirname(location.file), { recursive: true, mode: 0o700 });
  const schema = copySchemaBeside(location.file);
  writeFileSync(location.file, starterConfig(schema ? `./${basename(schema)}` : undefined), { mode: 0o600, flag: "wx" });
  if (options.json) {
    writeJson(io, { file: location.file, written: true, ...(schema ? { schema } : {}) });
    return 0;
  }
  writeLine(io.stdout, `Wrote ${location.file}${schema ? ` (and ${basename(schema)} beside it, for editors)` : ""}`);
  writeLine(io.stdout, `Next: load MiniMax M2.1 in LM Studio and start its server, then run \`${commandLine(io, "models list")}\`.`);
  return 0;
}

/**
 * The JSON Schema goes beside the config and `$schema` names it relatively: it stays valid when the
 * checkout or the installed package moves or goes away. Undefined when this install has no schema.
 */
function copySchemaBeside(configFile: string): string | undefined {
  const packaged = fileURLToPath(new URL("../../../schema/hearth.schema.json", import.meta.url));
  if (!existsSync(packaged)) return undefined;
  const copy = join(dirname(configFile), "hearth.schema.json");
  copyFileSync(packaged, copy);
  return copy;
}

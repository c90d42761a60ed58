import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { configLocation } from "../../config/paths.js";
import { starterConfig } from "../../config/starter-config.js";
import { HearthError } from "../../shared/errors.js";
import { writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

/** `hearth init`: writes the starter config; never overwrites a file. */
export function init(io: CliIo, options: GlobalOptions): number {
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  if (existsSync(location.file)) {
    throw new HearthError("runtime", `${location.file} already exists; hearth init never overwrites a config`, [
      "fix: edit it, check it with `hearth config validate`, or give another path with --config",
    ]);
  }
  const schemaFile = resolve(dirname(fileURLToPath(import.meta.url)), "../../../schema/hearth.schema.json");
  const schemaUrl = existsSync(schemaFile) ? pathToFileURL(schemaFile).href : undefined;
  mkdirSync(dirname(location.file), { recursive: true, mode: 0o700 });
  writeFileSync(location.file, starterConfig(schemaUrl), { mode: 0o600, flag: "wx" });
  if (options.json) {
    writeJson(io, { file: location.file, written: true });
    return 0;
  }
  writeLine(io.stdout, `Wrote ${location.file}`);
  writeLine(io.stdout, "Next: load MiniMax M2.1 in LM Studio and start its server, then run `hearth models list`.");
  return 0;
}

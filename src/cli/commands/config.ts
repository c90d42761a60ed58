import { existsSync } from "node:fs";
import { configLocation } from "../../config/paths.js";
import { ProblemLocator } from "../../config/problems.js";
import { commandLine, writeJson, writeLine, painter, type CliIo, type GlobalOptions } from "../io.js";
import { loadModels, printWarnings, type LoadedModels } from "../load-models.js";
import { chainAdvice } from "../../models/chain-advice.js";
import { openBindWarning } from "../../ops/gateway-token-advice.js";
import { refName } from "../../models/provider-words.js";
import { HearthError } from "../../shared/errors.js";

export function configValidate(io: CliIo, options: GlobalOptions): number {
  let result: LoadedModels;
  try {
    result = loadModels(io, options);
  } catch (error) {
    if (options.json && error instanceof HearthError && error.kind === "config") {
      writeJson(io, { valid: false, error: error.message, problems: error.details });
      return 2;
    }
    throw error;
  }
  const { loaded, resolved } = result;
  const warnings = [...result.warnings, ...chainAdvice(resolved), ...openBindWarning(loaded.config.gateway)];
  const locator = new ProblemLocator(loaded.source);
  if (options.json) {
    writeJson(io, {
      valid: true,
      file: loaded.location.file,
      exists: loaded.source !== undefined,
      chain: resolved.chain.map((entry) => ({ role: entry.role, ref: entry.model.ref })),
      warnings: warnings.map((warning) => ({ path: locator.name(warning), where: locator.where(warning), message: warning.message })),
    });
    return 0;
  }
  const paint = painter(io);
  printWarnings(io, loaded, warnings);
  if (!loaded.source) {
    writeLine(io.stdout, `No config file at ${loaded.location.file}; built-in defaults are valid. Run \`${commandLine(io, "init")}\` to write one.`);
    return 0;
  }
  const chain = resolved.chain.map((entry) => refName(entry.model)).join(" → ") || "(no model chain)";
  writeLine(io.stdout, `${paint("green", "✓")} ${loaded.location.file} is valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : ""}`);
  writeLine(io.stdout, `  chain: ${chain}`);
  return 0;
}

export function configPath(io: CliIo, options: GlobalOptions): number {
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const exists = existsSync(location.file);
  if (options.json) {
    writeJson(io, { file: location.file, origin: location.origin, exists });
    return 0;
  }
  writeLine(io.stdout, location.file);
  if (!exists) writeLine(io.stderr, `(no file there yet: \`${commandLine(io, "init")}\` writes a starter config)`);
  return 0;
}

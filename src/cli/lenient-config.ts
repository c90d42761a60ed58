import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { modelSecrets } from "../ai/model-secrets.js";
import { HttpClient } from "../ai/http/http-client.js";
import { loadConfig, parseConfigValue } from "../config/load.js";
import { parseJson5 } from "../config/parse-json5.js";
import { configLocation } from "../config/paths.js";
import { readConfigFile } from "../config/read-config-file.js";
import { secretEnvValues } from "../config/redact.js";
import { configSchema, type HearthConfig } from "../config/schema/index.js";
import { resolveModels, type ResolvedModels } from "../models/resolve.js";
import { HearthError } from "../shared/errors.js";
import { configInUse } from "./first-run-default.js";
import { commandLine, configuredCommand, type CliIo, type GlobalOptions } from "./io.js";

/** Sections other parts of hearth add; where this build's schema does not know them yet, they are read as written. */
const LATER_SECTIONS = new Set(["gateway", "channels"]);

export interface LenientConfig {
  /** The validated config and its models; undefined when it does not load (`problem` says why). */
  loaded: { config: HearthConfig; resolved: ResolvedModels } | undefined;
  problem: HearthError | undefined;
  /** No config file: `loaded` is the built-in default the gateway runs on, looked for LM Studio at `localBaseUrl`. */
  usingDefault?: { localBaseUrl: string } | undefined;
  /** The file as written ({} when there is none, or it is not JSON5). */
  raw: Record<string, unknown>;
  file: string | undefined;
}

/**
 * The config for commands that inspect it (the audit): validated as usual, except that a `gateway` or
 * `channels` section this build's schema lacks is kept as written instead of refused. A config that
 * does not load (a syntax error, an unset `${VAR}`, a bad value) is returned as its problem, with the
 * file as written as far as it parses: the audit judges what it still can. With no config file, the
 * built-in default the gateway runs on (`configInUse`; `usingDefault` set).
 */
export async function loadLenientConfig(io: CliIo, options: GlobalOptions): Promise<LenientConfig> {
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const text = readConfigFile(location.file);
  if (text === undefined && location.origin !== "default") {
    throw new HearthError("config", `config file not found: ${location.file}`, [`fix: check the path, or run \`${commandLine(io, "init")}\` to write one there`]);
  }
  if (text === undefined) return builtInDefault(io, options);
  const file = text === undefined ? undefined : location.file;
  let parsed: unknown;
  try {
    parsed = text === undefined ? {} : parseJson5(text, location.file);
  } catch (error) {
    if (!(error instanceof HearthError)) throw error;
    return { loaded: undefined, problem: error, raw: {}, file };
  }
  const raw = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const known = new Set(Object.keys(configSchema.shape));
  const checked = Object.fromEntries(Object.entries(raw).filter(([key]) => known.has(key) || !LATER_SECTIONS.has(key)));
  const source = text === undefined ? undefined : { file: location.file, text };
  let config: HearthConfig;
  let envUsed: ReadonlyMap<string, string>;
  let keyed: typeof source;
  try {
    ({ config, envUsed, source: keyed } = parseConfigValue(text === undefined ? {} : checked, source, io.env));
  } catch (error) {
    if (!(error instanceof HearthError)) throw error;
    return { loaded: undefined, problem: error, raw, file };
  }
  const resolved = resolveModels(config, { env: io.env, catalog: hostedCatalog, source: keyed });
  io.secrets?.add(secretEnvValues(envUsed));
  for (const provider of resolved.catalog.providers.values()) io.secrets?.add(modelSecrets(provider));
  return { loaded: { config, resolved }, problem: undefined, raw, file };
}

/** No config file: the built-in default, as every other command has it (its keys masked in all output from here on). */
async function builtInDefault(io: CliIo, options: GlobalOptions): Promise<LenientConfig> {
  const http = new HttpClient();
  try {
    const inUse = await configInUse(loadConfig({ flag: options.config, env: io.env, cwd: io.cwd, command: configuredCommand(io) }), { env: io.env, http });
    const resolved = resolveModels(inUse.loaded.config, { env: io.env, catalog: hostedCatalog, source: undefined });
    for (const provider of resolved.catalog.providers.values()) io.secrets?.add(modelSecrets(provider));
    return { loaded: { config: inUse.loaded.config, resolved }, problem: undefined, usingDefault: { localBaseUrl: inUse.localBaseUrl }, raw: {}, file: undefined };
  } finally {
    http.destroy();
  }
}

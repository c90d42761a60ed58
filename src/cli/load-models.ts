import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { HttpClient } from "../ai/http/http-client.js";
import { runningOnDefaultWords } from "../config/default-config.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { ProblemLocator, type ConfigProblem } from "../config/problems.js";
import { modelSecrets } from "../ai/model-secrets.js";
import { secretEnvValues } from "../config/redact.js";
import { withReferenceProblems } from "../models/reference-problems.js";
import { resolveModels, type ResolvedModels } from "../models/resolve.js";
import { configInUse } from "./first-run-default.js";
import { asTyped, configuredCommand, commandLine, writeLine, type CliIo, type GlobalOptions } from "./io.js";

export interface LoadedModels {
  loaded: LoadedConfig;
  resolved: ResolvedModels;
  warnings: ConfigProblem[];
}

/** Config file → validated config → resolved models; warnings are returned, errors thrown. No file: the empty config (`config validate` judges the file). */
export function loadModels(io: CliIo, options: GlobalOptions): LoadedModels {
  return resolved(io, readConfig(io, options));
}

/** The config a command runs on, resolved: the file's, or with none the built-in default the gateway runs on (`configInUse`). */
export interface ModelsInUse extends LoadedModels {
  usingDefault: boolean;
  /** Where the built-in default looks for LM Studio. */
  localBaseUrl: string;
}

/**
 * What the commands that use or check models run on (`models list`/`status`/`load`, `doctor`,
 * `config show`, `usage`): as loadModels, except that with no config file it is the built-in default
 * the gateway serves, LM Studio asked what it lists as the gateway asks it.
 */
export async function loadModelsInUse(io: CliIo, options: GlobalOptions): Promise<ModelsInUse> {
  const http = new HttpClient();
  try {
    const inUse = await configInUse(readConfig(io, options), { env: io.env, http });
    return { ...resolved(io, inUse.loaded), usingDefault: inUse.usingDefault, localBaseUrl: inUse.localBaseUrl };
  } finally {
    http.destroy();
  }
}

/** While the built-in default is in use: the line that says so and how to write a config, on stderr (once per command). */
export function sayRunningOnDefault(io: CliIo, models: ModelsInUse): void {
  if (models.usingDefault) writeLine(io.stderr, `hearth: ${runningOnDefaultWords({ file: models.loaded.location.file, baseUrl: models.localBaseUrl, initCommand: commandLine(io, "init") })}`);
}

function readConfig(io: CliIo, options: GlobalOptions): LoadedConfig {
  try {
    return loadConfig({ flag: options.config, env: io.env, cwd: io.cwd, command: configuredCommand(io) });
  } catch (error) {
    throw withReferenceProblems(error, { env: io.env, catalog: hostedCatalog });
  }
}

function resolved(io: CliIo, loaded: LoadedConfig): LoadedModels {
  const resolved = resolveModels(loaded.config, { env: io.env, catalog: hostedCatalog, source: loaded.source });
  // From here on, the config's keys, header values and URL credentials are masked in all output.
  io.secrets?.add(secretEnvValues(loaded.envUsed));
  for (const provider of resolved.catalog.providers.values()) io.secrets?.add(modelSecrets(provider));
  return { loaded, resolved, warnings: [...loaded.warnings, ...resolved.warnings] };
}

export function printWarnings(io: CliIo, loaded: LoadedConfig, warnings: readonly ConfigProblem[]): void {
  const locator = new ProblemLocator(loaded.source);
  // A warning that names a command (`hearth models list --all`) names it the way the user runs hearth.
  for (const warning of warnings) writeLine(io.stderr, asTyped(io, locator.format(warning)));
}

/** What `models list` / `models status` say when the config file names no model (with no file, the built-in default is in use). */
export function noModels(io: CliIo): string {
  return `No models configured: run \`${commandLine(io, "init")}\`, or set agents.defaults.model.primary.`;
}

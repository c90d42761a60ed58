import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { ProblemLocator, type ConfigProblem } from "../config/problems.js";
import { modelSecrets } from "../ai/model-secrets.js";
import { secretEnvValues } from "../config/redact.js";
import { withReferenceProblems } from "../models/reference-problems.js";
import { resolveModels, type ResolvedModels } from "../models/resolve.js";
import { asTyped, configuredCommand, commandLine, writeLine, type CliIo, type GlobalOptions } from "./io.js";

export interface LoadedModels {
  loaded: LoadedConfig;
  resolved: ResolvedModels;
  warnings: ConfigProblem[];
}

/** Config file → validated config → resolved models; warnings are returned, errors thrown. */
export function loadModels(io: CliIo, options: GlobalOptions): LoadedModels {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd, command: configuredCommand(io) });
  } catch (error) {
    throw withReferenceProblems(error, { env: io.env, catalog: hostedCatalog });
  }
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

/**
 * What `models list` / `models status` say when no model is configured. With no config file the
 * gateway still runs on its built-in default (LM Studio first, hosted models whose keys are set):
 * say that too, so these commands and the gateway do not seem to disagree.
 */
export function noModels(io: CliIo, loaded: LoadedConfig): string {
  const fix = `run \`${commandLine(io, "init")}\`, or set agents.defaults.model.primary.`;
  if (loaded.source !== undefined) return `No models configured: ${fix}`;
  return `No models configured: there is no config file at ${loaded.location.file}. \`${commandLine(io, "gateway")}\` runs on a built-in default then (LM Studio at 127.0.0.1:1234, then the hosted models whose keys are set); to see and use models here, ${fix}`;
}

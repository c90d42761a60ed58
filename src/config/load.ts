import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { checkStructure, withoutReservedKeys } from "./check-structure.js";
import { duplicateKeyProblems, duplicateNameProblems } from "./duplicate-names.js";
import { schemaIssuesToProblems } from "./format-schema-issues.js";
import { parseJson5 } from "./parse-json5.js";
import { originSpellingWarnings } from "./origin-spellings.js";
import { readConfigFile } from "./read-config-file.js";
import { configLocation, type ConfigLocation, type PathEnvironment } from "./paths.js";
import { configPathName, configProblemsError, type ConfigProblem, type ConfigSource } from "./problems.js";
import { configSchema, type HearthConfig } from "./schema/index.js";
import { readServiceEnv, serviceEnvFile } from "./service-env.js";
import { salvageConfig } from "./salvage-config.js";
import { substituteEnv } from "./substitute-env.js";

export interface LoadedConfig {
  config: HearthConfig;
  location: ConfigLocation;
  /** Absent when no file exists at the default location and hearth runs on defaults. */
  source: ConfigSource | undefined;
  warnings: ConfigProblem[];
  /** Environment variables substituted into the config, name → value (the secret ones are hidden by `config show` and the logs). */
  envUsed: ReadonlyMap<string, string>;
}

export interface LoadOptions extends PathEnvironment {
  /** The `--config` flag. */
  flag?: string | undefined;
  /** How the user runs hearth (`hearth`, `./bin/hearth`), for the fixes that name a command. */
  command?: string;
  /** Reads a file as UTF-8; undefined when it does not exist (default: readConfigFile, bounded). Injected by tests. */
  readText?: (file: string) => string | undefined;
}

/** JSON5 text → `${ENV}` substitution → schema validation. Throws a config HearthError listing every problem. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const location = configLocation(options.flag, options);
  const readText = options.readText ?? readConfigFile;
  const text = readText(location.file);
  if (text === undefined) {
    if (location.origin !== "default") {
      const from = location.origin === "flag" ? "--config" : "HEARTH_CONFIG";
      throw new HearthError("config", `config file not found: ${escapeControlCharacters(location.file)} (given by ${from})`, [
        `fix: check the path, or run \`${options.command ?? "hearth"} init\` to write a starter config there`,
      ]);
    }
    return { config: parseConfigValue({}, undefined, options.env).config, location, source: undefined, warnings: [], envUsed: new Map() };
  }
  const source: ConfigSource = { file: location.file, text };
  const parsed = parseJson5(text, location.file);
  const { config, warnings, envUsed, source: keyed } = parseConfigValue(parsed, source, options.env);
  return { config, location, source: keyed, warnings, envUsed };
}

/**
 * Validates an already-parsed value as a config (exported for tests and for configs built in code).
 * `source` comes back with the keys the text writes with `${VAR}`: pass that one on to whatever
 * reports problems of this config (resolveModels, ProblemLocator), so they name keys as written.
 */
export function parseConfigValue(
  value: unknown,
  source: ConfigSource | undefined,
  env: NodeJS.ProcessEnv,
): { config: HearthConfig; warnings: ConfigProblem[]; envUsed: Map<string, string>; source: ConfigSource | undefined } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HearthError("config", `${escapeControlCharacters(source?.file ?? "the config")}: the top level must be an object { … }`, [
      "fix: start the file with { and end it with }",
    ]);
  }
  // Keys naming object internals are problems of their own: the rest is checked without them, in the same run.
  const structural = checkStructure(value, source?.file ?? "the config");
  const checked = structural.length > 0 ? withoutReservedKeys(value) : value;
  // A variable the environment lacks may be in ~/.hearth/gateway.env, which the installed service reads: every command reads it too.
  const envFile = serviceEnvFile(env);
  const substituted = substituteEnv(checked, envFile ? { env, file: envFile, read: () => readServiceEnv(envFile) } : env);
  const keyed = source ? { ...source, keys: substituted.keys } : undefined;
  const problems = [...substituted.problems];
  // jitless: zod's compiled fast path costs more to generate than a config read once per start (or
  // reload) gains from it (first parse of a two-provider config 9 → 5 ms CPU); the result is the same.
  const result = configSchema.safeParse(substituted.value, { reportInput: true, jitless: true });
  if (!result.success) {
    // A value whose `${VAR}` could not be substituted is unknown: what the schema says of the reference text itself ("expected a number") only repeats that.
    const unsubstituted = substituted.problems.filter((problem) => problem.severity === "error").map((problem) => JSON.stringify(problem.path));
    problems.push(...schemaIssuesToProblems(result.error.issues, configSchema).filter((problem) => !unsubstituted.includes(JSON.stringify(problem.path))));
  }
  const errors = problems.filter((problem) => problem.severity === "error");
  // Not left out by the salvage: both entries of a duplicate stay, so nothing that names them is called unknown.
  // Not left out by the salvage either (nothing is there to leave out): keys written twice or naming object internals.
  const duplicates = [...structural, ...duplicateKeyProblems(source), ...duplicateNameProblems(substituted.value, (path) => configPathName(path, keyed))];
  if (errors.length > 0 || duplicates.length > 0) {
    // The rest is checked further by whoever resolves it (references to models, aliases, agents).
    // A problem placed as written names no part of the substituted value to leave out (a key that two written keys became: the one kept is checked).
    const inValue = errors.filter((problem) => problem.pathAsWritten !== true);
    const partial = salvageConfig(substituted.value, inValue, structural.map((problem) => problem.path));
    throw configProblemsError(keyed, [...problems, ...duplicates, ...(partial?.problems ?? [])], partial);
  }
  if (!result.success) throw configProblemsError(keyed, problems);
  return { config: result.data, warnings: [...problems, ...originSpellingWarnings(substituted.value)], envUsed: substituted.used, source: keyed };
}

import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { HearthError } from "../../src/shared/errors.js";
import { resolveModels, type ResolvedModels } from "../../src/models/resolve.js";

/** Parses and validates JSON5 text as a config named `file`, then resolves models. */
export function resolveText(text: string, env: NodeJS.ProcessEnv = {}, file = "hearth.json5"): ResolvedModels {
  const source = { file, text };
  const { config } = parseConfigValue(parseJson5(text, file), source, env);
  return resolveModels(config, { env, catalog: hostedCatalog, source });
}

/** The full text of the config error the callback throws: message and detail lines. */
export function configErrorText(callback: () => unknown): string {
  try {
    callback();
  } catch (error) {
    if (error instanceof HearthError) return [error.message, ...error.details].join("\n");
    throw error;
  }
  throw new Error("expected a config error, but nothing was thrown");
}

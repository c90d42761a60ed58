import type { ModelSpec } from "../ai/model-spec.js";
import { variablePlace } from "./key-advice.js";
import { providerPath } from "./provider-words.js";

/**
 * Why a model cannot be called at all: a hosted model (or a built-in provider's, wherever it points)
 * without its key. Nothing is sent to such a model — not a turn, not a probe.
 */
export function missingKey(model: ModelSpec): string | undefined {
  if (model.apiKey || (model.local && model.apiKeyEnv === undefined)) return undefined;
  return `no API key: set ${keyWhere(model)}`;
}

/** Where the model's key is set, in the user's words: the variable a built-in provider reads it from, and the config's path. */
export function keyWhere(model: Pick<ModelSpec, "provider" | "providerWritten" | "apiKeyEnv">): string {
  const where = providerPath(model, "apiKey");
  return model.apiKeyEnv ? `${variablePlace(model.apiKeyEnv)}, or ${where}` : where;
}

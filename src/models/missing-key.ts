import type { ModelSpec } from "../ai/model-spec.js";
import { providerPath } from "./provider-words.js";

/**
 * Why a model cannot be called at all: a hosted model (or a built-in provider's, wherever it points)
 * without its key. Nothing is sent to such a model — not a turn, not a probe.
 */
export function missingKey(model: ModelSpec): string | undefined {
  if (model.apiKey || (model.local && model.apiKeyEnv === undefined)) return undefined;
  const where = providerPath(model, "apiKey");
  return `no API key: set ${model.apiKeyEnv ? `${model.apiKeyEnv} or ${where}` : where}`;
}

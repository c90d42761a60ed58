import type { ModelSpec } from "../ai/model-spec.js";

/**
 * Whether advice may name LM Studio for this model's server. Where a probe learned which server answers
 * there (`found`: LM Studio's native listing, llama.cpp's /props, Ollama's /api/tags), that says it, not
 * the port. Otherwise: its provider is called so, or it listens on LM Studio's port (1234) — unless its
 * api is Ollama's own, which LM Studio does not speak. Any other server is named by its address, never
 * sent to LM Studio's menus.
 */
export function looksLikeLmStudio(model: Pick<ModelSpec, "provider" | "baseUrl"> & { api?: string }, found?: string | undefined): boolean {
  if (found !== undefined) return found === "lmstudio";
  if (model.api === "ollama") return false;
  if (/lm-?studio/i.test(model.provider ?? "")) return true;
  try {
    return new URL(model.baseUrl).port === "1234";
  } catch {
    return false;
  }
}

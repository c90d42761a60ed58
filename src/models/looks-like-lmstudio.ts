import type { ModelSpec } from "../ai/model-spec.js";

/**
 * Whether advice may name LM Studio for this model's server: its provider is called so, or it listens
 * on LM Studio's port (1234). Any other server is named by its address, never sent to LM Studio's menus.
 */
export function looksLikeLmStudio(model: Pick<ModelSpec, "provider" | "baseUrl">): boolean {
  if (/lm-?studio/i.test(model.provider ?? "")) return true;
  try {
    return new URL(model.baseUrl).port === "1234";
  } catch {
    return false;
  }
}

import type { HttpClient } from "../ai/http/http-client.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { reasoningLeftInText } from "../ai/template-reasoning.js";
import { providerPath } from "../models/provider-words.js";
import type { StatusProblem } from "./status-problems.js";

/**
 * A local model not configured to reason (`reasoning: false`: what `models discover --write` writes where the
 * server does not say) whose server shows that it reasons in its text, as `models status --probe` and doctor
 * see it ("reasoning-in-text"): llama.cpp run with `--reasoning-format none` and a chat template that handles
 * reasoning tags (`<think>`, `<seed:think>`, `[THINK]`, harmony's channels: `think-spellings.ts`) leaves the
 * reasoning in the text, so a first answer streams it as text until a closing tag shows it was reasoning (later ones are split: see docs/wire-protocols.md). Servers that say nothing of their
 * template (LM Studio, vLLM, Ollama, which takes reasoning out itself when asked to think) are not judged: a
 * name alone is no habit (the brief's own MiniMax on LM Studio is `reasoning: false`, its reasoning apart).
 * `lmStudio`: LM Studio answered for the model.
 */
export async function reasoningAdvice(http: HttpClient, model: ModelSpec, facts: { lmStudio: boolean }): Promise<StatusProblem | undefined> {
  if (model.reasoning || !model.local) return undefined;
  const where = `${providerPath(model, "models")} (its entry, id ${model.id})`;
  if (!facts.lmStudio && model.api !== "ollama" && (await reasoningLeftInText(http, model))) {
    return {
      id: "reasoning-in-text",
      severity: "warn",
      title: "its server leaves the reasoning in the text (llama.cpp --reasoning-format none, a chat template with reasoning tags such as <think>) and reasoning is not set: a first answer streams its reasoning as text until its closing tag",
      fix: `set reasoning: true in ${where}, or restart llama-server without --reasoning-format none (it then sends the reasoning apart)`,
    };
  }
  return undefined;
}

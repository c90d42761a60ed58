import type { AdapterRegistry } from "../ai/adapter-registry.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Failure, Timeouts } from "../ai/types.js";

/** One tiny real request: milliseconds to the first token (text or reasoning), then it is cancelled. `timeouts`: bounds other than the model's own. */
export async function measureFirstToken(registry: AdapterRegistry, model: ModelSpec, timeouts?: Partial<Timeouts>): Promise<{ ms: number | null; failure: Failure | undefined }> {
  const adapter = await registry.get(model.api);
  const controller = new AbortController();
  const started = performance.now();
  const stream = adapter.stream(model, { messages: [{ role: "user", content: "Reply with the single word: ok" }] }, { maxTokens: 16, signal: controller.signal, ...(timeouts ? { timeouts } : {}) });
  for await (const event of stream) {
    if (event.type === "text-delta" || event.type === "reasoning-delta" || event.type === "tool-call" || event.type === "response-end") {
      const ms = Math.round(performance.now() - started);
      controller.abort();
      return { ms, failure: undefined };
    }
    if (event.type === "response-error") return { ms: null, failure: event.failure };
  }
  return { ms: null, failure: undefined };
}

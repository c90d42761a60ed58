import { bearerHeaders, parseEventData, postForStream, type AdapterDependencies, type ProviderAdapter } from "../../adapter.js";
import { adapterLearningHabits } from "../../habit-adapter.js";
import { FailureError } from "../../http/http-client.js";
import { readNdjsonLines } from "../../http/ndjson.js";
import { estimateContextTokens } from "../../usage.js";
import { ollamaContextLength, ollamaRequestBody } from "./convert-messages.js";
import { asksToThink, ollamaThink } from "./think.js";
import { OllamaLineMapper } from "./map-lines.js";
import { withBasePath } from "../../http/join-url.js";

/** The server root of an Ollama base URL: its native API is at `/api/…`, beside the OpenAI-compatible `/v1`. */
export function ollamaOrigin(baseUrl: string): string {
  return withBasePath(baseUrl, (path) => path.replace(/\/v1$/, "").replace(/\/api$/, ""));
}

/** Ollama's native chat API (`POST {origin}/api/chat`, NDJSON stream): context length, thinking, tools, keep-alive. */
export function createOllamaAdapter({ http }: AdapterDependencies): ProviderAdapter {
  return adapterLearningHabits("ollama", async ({ model, builder, wire, compat, options, call, parts }) => {
    // Ollama cuts a prompt longer than num_ctx in silence (the model answers what is left): such a prompt is not sent.
    const context = ollamaContextLength(model);
    const prompt = estimateContextTokens(wire);
    if (prompt > context) {
      const message = `the prompt (about ${prompt.toLocaleString("en-US")} tokens) is larger than the ${context.toLocaleString("en-US")}-token context ${model.ref} is run with here (num_ctx): Ollama would cut it without a word, so it was not sent`;
      throw new FailureError({ kind: "context-overflow", message });
    }
    const native = { ...model, baseUrl: ollamaOrigin(model.baseUrl) };
    const headers = { ...bearerHeaders(model), accept: "application/x-ndjson" };
    builder.reasoningSent(ollamaThink(model, options, compat)?.sent);
    const response = await postForStream(http, native, "/api/chat", headers, ollamaRequestBody(model, wire, options, { compat, parts }), call, builder);
    const what = "POST /api/chat";
    const mapper = new OllamaLineMapper(builder, what);
    read: for await (const lines of readNdjsonLines(response.body)) {
      for (const line of lines) {
        mapper.handle(parseEventData(line, what) as Record<string, unknown>);
        if (mapper.finished) break read;
      }
    }
    response.close();
    if (!mapper.finished) throw new FailureError({ kind: "stream-broken", message: "the answer stopped before it was complete" });
    mapper.end();
  }, { separatesReasoning: asksToThink });
}

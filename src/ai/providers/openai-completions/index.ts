import { bearerHeaders, parseEventData, postForStream, type AdapterDependencies, type ProviderAdapter } from "../../adapter.js";
import { adapterLearningHabits } from "../../habit-adapter.js";
import { templateReasoning } from "../../template-reasoning.js";
import { FailureError } from "../../http/http-client.js";
import { eachSse } from "../../http/sse.js";
import { completionsRequestBody } from "./convert-messages.js";
import { openAiEffort } from "../../reasoning-efforts.js";
import { CompletionsChunkMapper } from "./map-chunks.js";

/** OpenAI chat completions (`POST {baseUrl}/chat/completions`): vLLM, llama.cpp, Ollama, LM Studio, OpenRouter, OpenAI. */
export function createOpenAICompletionsAdapter({ http }: AdapterDependencies): ProviderAdapter {
  return adapterLearningHabits("openai-completions", async ({ model, builder, wire, compat, options, call, parts }) => {
    const body = completionsRequestBody(model, wire, options, { compat, parts });
    builder.reasoningSent(openAiEffort(model, options, compat, "reasoning_effort")?.sent);
    const response = await postForStream(http, model, "/chat/completions", bearerHeaders(model), body, call, builder);
    const what = "POST /chat/completions";
    const mapper = new CompletionsChunkMapper(builder, what);
    const done = await eachSse(response.body, (message) => {
      if (message.data.trim() === "[DONE]") return true;
      mapper.handle(parseEventData(message.data, what) as Record<string, unknown>);
      return false;
    });
    response.close();
    // Some servers end the body without [DONE]; a finish_reason still marks a complete answer.
    if (!done && !mapper.finished) throw new FailureError({ kind: "stream-broken", message: "the answer stopped before it was complete" });
    mapper.end();
  }, { askServer: (model) => templateReasoning(http, model) });
}

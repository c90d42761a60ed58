import { bearerHeaders, parseEventData, postForStream, type AdapterDependencies, type ProviderAdapter } from "../../adapter.js";
import { adapterLearningHabits } from "../../habit-adapter.js";
import { templateReasoning } from "../../template-reasoning.js";
import { eachSse } from "../../http/sse.js";
import { responsesRequestBody } from "./convert-input.js";
import { openAiEffort } from "../../reasoning-efforts.js";
import { ResponsesEventMapper } from "./map-events.js";

/** The OpenAI Responses API (`POST {baseUrl}/responses`): LM Studio, OpenAI, and other servers that speak it. */
export function createOpenAIResponsesAdapter({ http }: AdapterDependencies): ProviderAdapter {
  return adapterLearningHabits("openai-responses", async ({ model, builder, wire, compat, options, call, parts }) => {
    const { fields, bytes } = responsesRequestBody(model, wire, options, { compat, parts });
    builder.reasoningSent(openAiEffort(model, options, compat, "reasoning.effort")?.sent);
    const response = await postForStream(http, model, "/responses", bearerHeaders(model), bytes, call, builder);
    const what = "POST /responses";
    const mapper = new ResponsesEventMapper(builder, what, typeof fields.max_output_tokens === "number" ? fields.max_output_tokens : undefined);
    let over = false;
    await eachSse(response.body, (message) => {
      if (message.data === "[DONE]") return true;
      const event = parseEventData(message.data, what) as Record<string, unknown>;
      const type = typeof event.type === "string" ? event.type : (message.event ?? "");
      over = mapper.handle(type, event);
      return over;
    });
    if (over) response.close();
  }, { askServer: (model) => templateReasoning(http, model) });
}

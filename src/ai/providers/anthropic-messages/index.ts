import { parseEventData, postForStream, runAdapter, type AdapterDependencies, type ProviderAdapter } from "../../adapter.js";
import { eachSse } from "../../http/sse.js";
import { messagesRequestBody } from "./convert-messages.js";
import { claudeThinking } from "../../claude-thinking.js";
import { AnthropicEventMapper } from "./map-events.js";
import { basePath } from "../../http/join-url.js";

const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic Messages (`POST {baseUrl}/v1/messages`): Anthropic, and servers with an Anthropic-compatible API. */
export function createAnthropicMessagesAdapter({ http }: AdapterDependencies): ProviderAdapter {
  return {
    api: "anthropic-messages",
    stream(model, context, options) {
      return runAdapter(model, context, options, async (builder, wire, _compat, call) => {
        const headers: Record<string, string> = { "anthropic-version": ANTHROPIC_VERSION };
        if (model.apiKey) headers["x-api-key"] = model.apiKey;
        const path = /\/v1$/.test(basePath(model.baseUrl)) ? "/messages" : "/v1/messages";
        builder.reasoningSent(claudeThinking({ model, options, messages: wire.messages }).sent);
        const response = await postForStream(http, model, path, headers, messagesRequestBody(model, wire, options), call, builder);
        const what = `POST ${path}`;
        const mapper = new AnthropicEventMapper(builder, what);
        const over = await eachSse(response.body, (message) => {
          const event = parseEventData(message.data, what) as Record<string, unknown>;
          const type = typeof event.type === "string" ? event.type : (message.event ?? "");
          return mapper.handle(type, event);
        });
        if (over) response.close();
      });
    },
  };
}

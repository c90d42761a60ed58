import { AdapterRegistry, type AdapterLoaders } from "../ai/adapter-registry.js";
import { HttpClient } from "../ai/http/http-client.js";

/** One line per wire protocol; each loads only when a model of that protocol is called. */
export const adapterLoaders: AdapterLoaders = {
  "openai-responses": async () => (await import("../ai/providers/openai-responses/index.js")).createOpenAIResponsesAdapter,
  "openai-completions": async () => (await import("../ai/providers/openai-completions/index.js")).createOpenAICompletionsAdapter,
  "anthropic-messages": async () => (await import("../ai/providers/anthropic-messages/index.js")).createAnthropicMessagesAdapter,
  ollama: async () => (await import("../ai/providers/ollama/index.js")).createOllamaAdapter,
};

export function createAdapterRegistry(http = new HttpClient()): AdapterRegistry {
  return new AdapterRegistry(adapterLoaders, { http });
}

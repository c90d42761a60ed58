// The model servers the contract runs against: real HTTP servers on 127.0.0.1 (test/fakes/) speaking
// the four reasoning variants the wire layer knows, and the hearth config that points a chain at them.
import { conversationOf, PATHS, type Turn } from "../../helpers/scripted-model.js";
import { startFakeServer, type FakeServer, type Handler, type RecordedRequest, type Reply } from "../../fakes/fake-server.js";
import { reasoningHandler, type ReasoningVariant } from "../../whatsapp/reasoning-servers.js";

export { REASONING_VARIANTS, REASONING_WORD, type ReasoningVariant } from "../../whatsapp/reasoning-servers.js";

const apiOf = (variant: ReasoningVariant): "openai-responses" | "openai-completions" => (variant === "responses-reasoning-items" ? "openai-responses" : "openai-completions");

export interface ModelServer {
  server: FakeServer;
  variant: ReasoningVariant;
  /** The turns of every model call it received (probes of other paths left out), in order. */
  calls(): Turn[][];
}

/**
 * A model server answering `answer(turns)` in `variant`, with reasoning before the answer; `reply`
 * may answer a model call otherwise (an error). GET /v1/models lists "m" (the gateway's reachability
 * check); other paths (LM Studio's native ones) get a 404, as from a plain OpenAI-compatible server.
 */
export async function startModelServer(options: { variant?: ReasoningVariant; answer: (turns: Turn[]) => string; reply?: (request: RecordedRequest) => Reply | undefined | Promise<Reply | undefined>; port?: number }): Promise<ModelServer> {
  const variant = options.variant ?? "reasoning_content";
  const inner = reasoningHandler(variant, options.answer);
  const handler: Handler = async (request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const call = request.method === "POST" && request.path === PATHS[apiOf(variant)];
    return (call ? await options.reply?.(request) : undefined) ?? inner(request);
  };
  const server = await startFakeServer(handler, { port: options.port });
  return { server, variant, calls: () => modelCalls(server, variant) };
}

function modelCalls(server: FakeServer, variant: ReasoningVariant): Turn[][] {
  return server.requests.filter((request) => request.method === "POST" && request.path === PATHS[apiOf(variant)]).map((request) => conversationOf(apiOf(variant), request.body as Record<string, unknown>));
}

export interface ChainLink {
  /** The provider's name in the config ("home", "spare"). */
  provider: string;
  /** http://127.0.0.1:PORT/v1 (a refused one for a server that is down). */
  baseUrl: string;
  variant?: ReasoningVariant;
  apiKey?: string;
}

/**
 * A hearth config whose main agent's chain is `chain` (the first is the primary), each provider with
 * one model "m"; `fallbackNotice` is set for the agent and for WhatsApp alike (what "configured" means).
 */
export function contractConfig(options: { chain: readonly ChainLink[]; fallbackNotice?: boolean }): object {
  const refs = options.chain.map((link) => `${link.provider}/m`);
  const providers = Object.fromEntries(
    options.chain.map((link) => {
      const variant = link.variant ?? "reasoning_content";
      // MiniMax's orphan `</think>` is recognised for a model marked as a reasoner.
      const model = { id: "m", reasoning: variant === "orphan-think" || variant === "seed-orphan-think", contextWindow: 32768, maxTokens: 1024 };
      return [link.provider, { baseUrl: link.baseUrl, api: apiOf(variant), ...(link.apiKey ? { apiKey: link.apiKey } : {}), models: [model] }];
    }),
  );
  const notice = options.fallbackNotice ?? true;
  return {
    agents: { defaults: { model: { primary: refs[0], fallbacks: refs.slice(1) }, fallbackNotice: notice } },
    models: { mode: "replace", providers },
    channels: { whatsapp: { fallbackNotice: notice } },
  };
}

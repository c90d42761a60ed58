import type { DiscoveredModel, ServerKind } from "./discover.js";

/**
 * The context hearth asks for where it sets a model's context itself and nothing says more: room for the
 * agent's system prompt and tools (a few thousand tokens), a conversation with its summary, and a long
 * message — with a KV cache of a few GB for a 7–8B model (Llama 3.1 8B at 16 bits: 128 KiB a token, 4 GiB
 * for 32k), where a model's full maximum (131,072 for Llama 3.2 3B) would ask for four times that on every
 * load. Raised by hand where memory allows.
 */
export const HEARTH_SET_CONTEXT = 32_768;

/** Who decides the context a model runs with: the server when it starts, or hearth (a request's num_ctx, a load). */
export function contextSetBy(kind: ServerKind): "server" | "hearth" {
  return kind === "ollama" || kind === "lmstudio" ? "hearth" : "server";
}

/** The contextWindow to write, and where it comes from. */
export interface DiscoveredContext {
  tokens: number | undefined;
  /** "served": what the server runs it with; "maximum": the model's maximum; "own": its own setting (Ollama's Modelfile num_ctx); "default": HEARTH_SET_CONTEXT; "loaded": a larger context it is loaded with now. */
  from: "served" | "maximum" | "own" | "default" | "loaded";
}

/**
 * The `contextWindow` `models discover` writes for a model, by who sets the context it runs with:
 * - the server, fixed when it started (llama.cpp `-c`, vLLM `--max-model-len`, another OpenAI-compatible
 *   server): what it serves, else the model's maximum — hearth cannot give it more;
 * - hearth: Ollama runs the model with the `num_ctx` hearth sends on every request (contextWindow), and
 *   LM Studio with the context `hearth models load` asks for (contextWindow; a JIT load takes LM Studio's
 *   own default, which doctor reports). What the model happens to run with now is someone's earlier load
 *   (Ollama's 4,096 default), not a setting: the model's own setting where it has one (Ollama's Modelfile
 *   `num_ctx`), else HEARTH_SET_CONTEXT — never less than a context it is loaded with now (the memory
 *   holds that), never more than its maximum.
 */
export function discoveredContext(model: DiscoveredModel, kind: ServerKind): DiscoveredContext {
  if (contextSetBy(kind) === "server") return model.servedContext !== undefined ? { tokens: model.servedContext, from: "served" } : { tokens: model.maxContext, from: "maximum" };
  const maximum = model.maxContext ?? Number.POSITIVE_INFINITY;
  const wanted = model.ownContext ?? HEARTH_SET_CONTEXT;
  const chosen: DiscoveredContext = wanted > maximum ? { tokens: maximum, from: "maximum" } : { tokens: wanted, from: model.ownContext !== undefined ? "own" : "default" };
  const loaded = model.loaded === true && model.servedContext !== undefined ? Math.min(model.servedContext, maximum) : 0;
  return loaded > (chosen.tokens ?? 0) ? { tokens: loaded, from: "loaded" } : chosen;
}

const FROM_WORDS: Record<DiscoveredContext["from"], string> = {
  served: "what the server runs it with",
  maximum: "its maximum",
  own: "its Modelfile's num_ctx",
  default: "hearth's default where it sets the context",
  loaded: "what it is loaded with now",
};

/**
 * Why a model whose context hearth sets gets the contextWindow written, and what follows from it (one
 * line of the report; `ref`: the model's ref once written), or undefined where the server sets it.
 */
export function discoveredContextNote(model: DiscoveredModel, server: { kind: ServerKind; ref: string }): string | undefined {
  const { tokens, from } = discoveredContext(model, server.kind);
  if (contextSetBy(server.kind) === "server" || tokens === undefined) return undefined;
  const room = model.maxContext !== undefined && tokens < model.maxContext ? `; raise it up to ${model.maxContext} where memory allows` : "";
  const head = `contextWindow ${tokens} (${FROM_WORDS[from]})`;
  if (server.kind === "ollama") return `${head}: hearth asks Ollama for it as num_ctx on every request${room}`;
  const loadedWith = model.loaded === true ? model.servedContext : undefined;
  const load =
    loadedWith !== undefined && loadedWith < tokens
      ? `LM Studio has it loaded with ${loadedWith}: reload it with \`hearth models unload ${server.ref} && hearth models load ${server.ref}\``
      : model.loaded === true
        ? "LM Studio has it loaded with that"
        : `load it with \`hearth models load ${server.ref}\` (a request would load it with LM Studio's own default)`;
  return `${head}: ${load}${room}`;
}

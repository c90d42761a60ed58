import type { ModelSpec } from "../ai/model-spec.js";
import type { ServerKind } from "../ai/server-kind.js";
import type { Context } from "../ai/types.js";
import { estimateContextTokens, estimateTokens } from "../ai/usage.js";
import { shellQuote } from "../shared/shell-quote.js";
import { looksLikeLmStudio } from "./looks-like-lmstudio.js";
import { replyTokensFor, reserveTokensFor } from "./prompt-tokens.js";

/**
 * What a call takes of a model's window, in estimated tokens: the fixed part (system prompt, the tool
 * schemas as sent to that model — none where its tools are off), the message(s), and what is kept for
 * the reply and the reserve.
 */
export interface PromptParts {
  systemTokens: number;
  toolTokens: number;
  messageTokens: number;
  replyTokens: number;
  reserveTokens: number;
}

const count = (value: number): string => value.toLocaleString("en-US");

/** The system prompt's and the tools' tokens of a context, as the estimate counts them. */
export function fixedParts(context: Pick<Context, "systemPrompt" | "tools">): { systemTokens: number; toolTokens: number } {
  const systemTokens = estimateTokens(context.systemPrompt ?? "");
  const toolTokens = estimateContextTokens({ tools: context.tools, messages: [] });
  return { systemTokens, toolTokens };
}

/** Tokens the fixed part and the reply (and reserve) take before any message. */
export function fixedTokensOf(parts: PromptParts): number {
  return parts.systemTokens + parts.toolTokens + parts.replyTokens + parts.reserveTokens;
}

/** "the server runs X with 256 tokens of context (contextWindow says 2,048)", or the configured window where nothing smaller is known. */
export function windowWords(model: ModelSpec, window: number): string {
  return window < model.contextWindow
    ? `the server runs ${model.ref} with ${count(window)} tokens of context (contextWindow says ${count(model.contextWindow)})`
    : `${model.ref} has ${count(window)} tokens of context (its contextWindow)`;
}

/** What each part takes, in words: "the system prompt about 130 tokens, the tools 156, the message 1, the reply 64 and the reserve 25" ("no system prompt" where there is none). */
export function partsWords(parts: PromptParts, message = "the message"): string {
  const words = [parts.systemTokens > 0 ? `the system prompt about ${count(parts.systemTokens)} tokens` : "no system prompt", parts.toolTokens > 0 ? `the tools ${count(parts.toolTokens)}` : "no tools", ...(parts.messageTokens > 0 ? [`${message} ${count(parts.messageTokens)}`] : [])];
  const kept = [parts.replyTokens > 0 ? `the reply ${count(parts.replyTokens)}` : undefined, parts.reserveTokens > 0 ? `the reserve ${count(parts.reserveTokens)}` : undefined].filter((part): part is string => part !== undefined);
  const all = [...words, ...kept];
  // The last two joined by "and" (a count's own comma, "53,063", is no separator).
  return all.length < 2 ? all.join("") : `${all.slice(0, -1).join(", ")} and ${all.at(-1) ?? ""}`;
}

/** The least context that holds what is sent: the fixed part, the message(s), the reply and the reserve. */
export function neededContext(parts: PromptParts): number {
  return fixedTokensOf(parts) + parts.messageTokens;
}

/**
 * What is sent and kept in `size` tokens of context, where `parts` were counted for `window`: the reply
 * and the reserve of an agent's turn grow with the window (a quarter for the reply up to maxTokens, a
 * tenth at most for the reserve); a reply a client capped, or a reserve the config set below a tenth,
 * stays as it is; none (a prompt judged alone) stays none.
 */
function neededAt(model: ModelSpec, parts: PromptParts, sizes: { window: number; size: number }): number {
  const { window, size } = sizes;
  const reply = parts.replyTokens > 0 && parts.replyTokens >= replyTokensFor(model.maxTokens, window) ? replyTokensFor(model.maxTokens, size) : parts.replyTokens;
  const reserve = parts.reserveTokens > 0 && parts.reserveTokens >= reserveTokensFor(Number.POSITIVE_INFINITY, window) ? reserveTokensFor(Number.POSITIVE_INFINITY, size) : parts.reserveTokens;
  return parts.systemTokens + parts.toolTokens + parts.messageTokens + reply + reserve;
}

/**
 * The context to give the model: the configured window where it is larger than the served one, else room
 * for twice what is sent — an agent's session grows turn by turn — or, for a request passed on whole
 * (`proxied`: the client's conversation, judged as it is), what it needs; in 1,024s, and at least what
 * holds it — never more than the model can have (`served.maximum`: `capped` where that is less than wanted).
 */
function suggestedContext(model: ModelSpec, served: ServedShape, fit: { parts: PromptParts; proxied: boolean }): { size: number; capped: boolean } {
  const { parts } = fit;
  let wanted = Math.max(Math.ceil((neededContext(parts) * (fit.proxied ? 1 : 2)) / 1024) * 1024, model.contextWindow > served.window ? model.contextWindow : 0);
  while (neededAt(model, parts, { window: served.window, size: wanted }) > wanted) wanted += 1024;
  return served.maximum !== undefined && wanted > served.maximum ? { size: served.maximum, capped: true } : { size: wanted, capped: false };
}

/**
 * The llama-server flags that serve `wanted` tokens to each request: a slot gets `-c / -np` (its own
 * share; with a shared cache all of -c, which the same flags cover), so with several slots `-c` grows
 * by their number, or one slot takes all of it. The server's -c is not said: /props gives the slot's.
 */
export function llamaContextFlags(wanted: number, served: { window: number; slots?: number | undefined }): string {
  const slots = served.slots;
  if (slots === undefined || slots < 2) return `-c ${wanted}`;
  return `-c ${wanted * slots} keeping -np ${slots} (each of its ${slots} slots gets -c / -np: ${served.window} now), or -np 1 -c ${wanted}`;
}

/** What the server runs a model with: its window per request, its slots (llama.cpp total_slots), and the most the model can have, where the server said. */
export interface ServedShape {
  window: number;
  slots?: number | undefined;
  /** The most context the model can have (llama.cpp n_ctx_train, LM Studio max_context_length, Ollama's context_length): no suggestion is larger. */
  maximum?: number | undefined;
  /** The kind of server it is, where its answers said (llama.cpp's /props, vLLM's listing…): the advice names its setting alone; none where not known. */
  kind?: ServerKind | undefined;
}

/**
 * How the model could be given more context: the server's setting to raise (and contextWindow with it,
 * where the context is larger than it), each server in its own words, or — where even the most the
 * model can have is too small for what is sent — that no setting helps.
 */
export interface ContextRaise {
  /** False: even the most context the model can have is too small for what is sent. */
  possible: boolean;
  words: string;
}

export function contextRaise(model: ModelSpec, fit: { served: ServedShape; parts: PromptParts; proxied?: boolean | undefined }): ContextRaise {
  const { served, parts } = fit;
  const maximum = served.maximum;
  if (maximum !== undefined && neededAt(model, parts, { window: served.window, size: maximum }) > maximum) {
    return { possible: false, words: `even the most context ${model.ref} can have (${count(maximum)} tokens, as its server says) cannot hold it` };
  }
  if (!model.local) return { possible: true, words: "use the model's full context" };
  const { size, capped } = suggestedContext(model, served, { parts, proxied: fit.proxied === true });
  // Where the wanted context is more than the model can have, its maximum is what is asked, and said to be.
  const most = capped ? ", the most it can have" : "";
  const config = size > model.contextWindow ? `, and raise contextWindow to ${size}` : "";
  const ref = shellQuote(model.ref);
  // hearth sends contextWindow as num_ctx itself (Ollama's native API): the setting is the config's.
  if (model.api === "ollama") return { possible: true, words: `raise contextWindow to ${size}${most} (hearth asks Ollama for it as num_ctx)` };
  if (looksLikeLmStudio(model, served.kind)) {
    // Smaller than configured: LM Studio loaded it so (a JIT load at its own default, or a load with less); else it may not be loaded at all.
    const load =
      served.window < model.contextWindow
        ? `reload the model with ${size} tokens of context${most} (hearth models unload ${ref} && hearth models load ${ref} --context ${size})`
        : `load the model with ${size} tokens of context${most} (hearth models load ${ref} --context ${size}, after hearth models unload ${ref} where it is loaded)`;
    return { possible: true, words: `${load}${config}` };
  }
  // The server's own setting where its answers said which server it is; of one that did not, the size alone is asked.
  const setting = served.kind === "llamacpp" ? `llama.cpp: ${llamaContextFlags(size, served)}` : served.kind === "vllm" ? `vLLM: --max-model-len ${size}` : undefined;
  const restart = setting === undefined ? `${count(size)} tokens of context${most}` : `${capped ? `${count(size)} tokens of context${most}` : "a larger context"} (${setting})`;
  return { possible: true, words: `restart the server with ${restart}${config}` };
}

/** How to make what is sent fit: a larger context on the server, less sent, or another model. */
export function contextFix(model: ModelSpec, fit: { served: ServedShape; parts: PromptParts; proxied?: boolean | undefined }): string {
  const raise = contextRaise(model, fit);
  // A proxied request's system prompt, tools and messages are its client's: the config's systemPrompt and tools are no lever.
  const less = fit.proxied
    ? "send fewer or shorter messages (the client keeps its own history)"
    : fit.parts.toolTokens > 0
      ? "send less (fewer tools: the agent's tools.allow or tools.deny; a shorter systemPrompt)"
      : "send less (a shorter systemPrompt)";
  const other = fit.proxied ? "name a model with a larger window" : "use a model with a larger window";
  return raise.possible ? `${raise.words}, or ${less}, or ${other}` : `${raise.words}: ${less}, or ${other}`;
}

/**
 * The refusal when not even the fixed part fits: no message of any size can be answered by this model
 * (the roomiest the chain has). Undefined when the fixed part leaves room for a message.
 */
export function noRoomRefusal(model: ModelSpec, served: ServedShape, parts: PromptParts): string | undefined {
  if (fixedTokensOf(parts) < served.window) return undefined;
  return `${model.ref} cannot take any message: ${windowWords(model, served.window)}, and the fixed part alone fills it — ${partsWords(parts)}. Fix: ${contextFix(model, { served, parts })}.`;
}

/** Scales estimated parts by the model's tokenizer ratio (server tokens per estimated token). */
export function scaleParts(parts: PromptParts, ratio: number): PromptParts {
  const scale = (value: number): number => Math.round(value * ratio);
  return { ...parts, systemTokens: scale(parts.systemTokens), toolTokens: scale(parts.toolTokens), messageTokens: scale(parts.messageTokens) };
}

export interface TooLargeOptions {
  /** Server tokens per estimated token, as learned for the model (1: none learned). */
  ratio?: number | undefined;
  /** The server refused the request as too long and counted this many tokens (undefined: it did not say). */
  counted?: number | undefined;
  /** The server refused it already: the words are wanted whatever the estimate says. */
  overflowed?: boolean | undefined;
  /** Requests the server runs at once (llama.cpp total_slots), where it said: the fix's -c is per slot. */
  slots?: number | undefined;
  /** A client's request passed on whole (proxy mode): the fix speaks of its messages, not the agent's settings. */
  proxied?: boolean | undefined;
  /** The most context the model can have, where its server said: no larger context is suggested. */
  maximum?: number | undefined;
  /** The kind of server, where it said: the fix names its setting alone. */
  kind?: ServerKind | undefined;
}

/**
 * Why a request is not sent to `model` (or why the server refused it): the window its server reported,
 * or an overflow named, cannot hold the prompt. Undefined when it may fit and the server did not refuse it.
 */
export function requestTooLarge(model: ModelSpec, window: number, context: Context, options: TooLargeOptions = {}): string | undefined {
  const estimate = estimateContextTokens(context);
  const ratio = options.counted !== undefined && estimate > 0 ? options.counted / estimate : (options.ratio ?? 1);
  const total = options.counted ?? Math.round(estimate * ratio);
  if (total < window && !options.overflowed && options.counted === undefined) return undefined;
  const fixed = fixedParts(context);
  const parts = scaleParts({ ...fixed, messageTokens: Math.max(0, estimate - fixed.systemTokens - fixed.toolTokens), replyTokens: 0, reserveTokens: 0 }, ratio);
  const fixedAlone = parts.systemTokens + parts.toolTokens >= window ? " — the system prompt and tools alone do not fit" : "";
  const counted = options.counted !== undefined ? `the server counted ${count(total)} tokens for the request` : `the request takes about ${count(total)} tokens`;
  return `${windowWords(model, window)}, and ${counted} before any reply (${partsWords(parts, "the messages")})${fixedAlone}. Fix: ${contextFix(model, { served: { window, slots: options.slots, maximum: options.maximum, kind: options.kind }, parts, proxied: options.proxied })}`;
}

/**
 * The fewest tokens a server is taken to count per estimated token: four characters a token over-counts
 * English prose, which real tokenizers take at 4 to 5 characters a token (code, JSON and other scripts
 * count more, never less); a ratio a server's tokenizer gave for a sample is no count of this request
 * either (prose, code and JSON take its tokens at different rates). An estimate is "too large" only where
 * even this lower count is.
 */
export const ESTIMATE_LOW_RATIO = 0.8;

/** A request passed on whole (proxy mode) and one candidate's window: what the request takes, and the reply it needs at least. */
export interface WholeFit {
  /** The request's prompt as the model's server counts it (the estimate scaled by its ratio: sentTokens). */
  tokens: number;
  /** The smallest reply worth sending the request for (MIN_REPLY_TOKENS, or the client's smaller max_tokens). */
  replyTokens: number;
  window: number;
}

/**
 * Pure: whether the window certainly cannot hold the request and a minimal reply. Near the edge — where
 * the estimate could be wrong either way — it may: the request is sent and the server decides (its
 * overflow fails over to the next candidate), as an agent's turn leaves a prompt it planned to fit to the
 * server's own count. The estimate is taken at its lowest plausible count (ESTIMATE_LOW_RATIO).
 */
export function certainlyTooLarge(fit: WholeFit): boolean {
  const lowest = Math.floor(fit.tokens * ESTIMATE_LOW_RATIO);
  return lowest + fit.replyTokens > fit.window;
}

/**
 * Why a request passed on whole (a proxied client's conversation, never shortened) is not sent to `model`:
 * its window cannot hold it and a minimal reply. Undefined when it may (see certainlyTooLarge).
 */
export function wholeRequestTooLarge(model: ModelSpec, fit: WholeFit & { context: Context; toolsOff: boolean; ratio: number; slots?: number | undefined; maximum?: number | undefined; kind?: ServerKind | undefined }): string | undefined {
  if (!certainlyTooLarge(fit)) return undefined;
  const fixed = scaleParts({ ...fixedParts(fit.toolsOff ? { ...fit.context, tools: undefined } : fit.context), messageTokens: 0, replyTokens: 0, reserveTokens: 0 }, fit.ratio);
  const prompt: PromptParts = { ...fixed, messageTokens: Math.max(0, fit.tokens - fixed.systemTokens - fixed.toolTokens) };
  return (
    `${windowWords(model, fit.window)}, and the request takes about ${count(fit.tokens)} tokens (${partsWords(prompt, "the messages")}), leaving no room for a reply of even ${count(fit.replyTokens)}: ` +
    `not sent to it (the client's messages are passed on whole, never shortened). Fix: ${contextFix(model, { served: { window: fit.window, slots: fit.slots, maximum: fit.maximum, kind: fit.kind }, parts: { ...prompt, replyTokens: fit.replyTokens }, proxied: true })}`
  );
}

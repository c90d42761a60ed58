import type { Api } from "./api.js";
import type { CallOptions } from "./types.js";

/** The call options a request may set beyond the reply limit, temperature and reasoning, by the name clients know them by (OpenAI's). */
type Demand = "stop" | "seed" | "top_p" | "frequency_penalty" | "presence_penalty" | "tool_choice" | "parallel_tool_calls" | "strict";

/**
 * What each wire protocol has no field for. A request that sets one of these cannot be carried to a
 * model of that protocol as asked: the router skips such a candidate rather than answer otherwise.
 * Sources: OpenAI's Chat Completions and Responses references, Anthropic's Messages reference, Ollama's
 * /api/chat (`options` holds stop, seed, top_p and the penalties; it has no tool choice and no strict tools).
 */
const NOT_CARRIED: Record<Api, ReadonlySet<Demand>> = {
  "openai-completions": new Set(),
  // The Responses API has no stop sequences, seed or penalties.
  "openai-responses": new Set(["stop", "seed", "frequency_penalty", "presence_penalty"]),
  // Messages has stop_sequences, top_p and tool_choice (with disable_parallel_tool_use); no seed or penalties.
  "anthropic-messages": new Set(["seed", "frequency_penalty", "presence_penalty"]),
  // /api/chat has no tool_choice, no way to ask for one call at a time, and no schema-exact (strict) tool arguments.
  ollama: new Set(["tool_choice", "parallel_tool_calls", "strict"]),
};

/** The options `options` sets beyond the reply limit, temperature and reasoning, by their request names (OpenAI's). */
export function demands(options: CallOptions): Demand[] {
  // Asked per candidate of every request, most of which set none of them: no list built to say so.
  const found: Demand[] = [];
  if (options.stop?.length) found.push("stop");
  if (options.seed !== undefined) found.push("seed");
  if (options.topP !== undefined) found.push("top_p");
  if (options.frequencyPenalty !== undefined) found.push("frequency_penalty");
  if (options.presencePenalty !== undefined) found.push("presence_penalty");
  if (options.toolChoice !== undefined) found.push("tool_choice");
  if (options.parallelToolCalls !== undefined) found.push("parallel_tool_calls");
  if (options.strictTools) found.push("strict");
  return found;
}

/** The request fields `model` cannot be sent as asked (empty: all of them can). */
export function optionsNotCarried(model: { api: Api; id: string; reasoning: boolean }, options: CallOptions): string[] {
  const missing = NOT_CARRIED[model.api];
  const asked = demands(options);
  const notCarried: string[] = asked.length === 0 ? asked : asked.filter((name) => missing.has(name));
  // Anthropic's thinking takes no forced tool call, no temperature but its default 1, and top_p from 0.95 to 1 only.
  const thinking = model.api === "anthropic-messages" && model.reasoning && options.reasoning !== undefined && options.reasoning !== "off";
  if (thinking && options.toolChoice !== undefined) notCarried.push("tool_choice (with thinking)");
  if (thinking && options.temperature !== undefined && options.temperature !== 1) notCarried.push(`temperature ${options.temperature} (with thinking)`);
  if (thinking && options.topP !== undefined && options.topP < 0.95) notCarried.push(`top_p ${options.topP} (with thinking)`);
  // Anthropic's temperature goes from 0 to 1; OpenAI's (what the request was written in) to 2.
  if (!thinking && model.api === "anthropic-messages" && options.temperature !== undefined && options.temperature > 1) notCarried.push(`temperature ${options.temperature} (above 1)`);
  // Opus 4.1 and the Claude models after it take temperature or top_p, not both ("`temperature` and `top_p` cannot
  // both be specified for this model"); with thinking no temperature is sent, so the pair never goes out then.
  // Strict tool use (tools[].strict) came with Claude's structured outputs: Opus 4.1, Sonnet 4.5 and later; the Claude models before take no such field.
  const claude = claudeVersion(model.id);
  if (model.api === "anthropic-messages" && options.strictTools && claude !== undefined && claude < 4.1) notCarried.push("strict (a Claude before Opus 4.1 and Sonnet 4.5)");
  const format = options.responseFormat;
  // Anthropic's structured output (output_config.format) takes a schema only: it has no "any JSON object"; it came with strict tools.
  if (format && model.api === "anthropic-messages" && format.type === "json_object") notCarried.push(`${format.asked} json_object (a schema only)`);
  if (format?.type === "json_schema" && model.api === "anthropic-messages" && claude !== undefined && claude < 4.1) notCarried.push(`${format.asked} (a Claude before Opus 4.1 and Sonnet 4.5)`);
  if (!thinking && model.api === "anthropic-messages" && options.temperature !== undefined && options.topP !== undefined && claude !== undefined && claude >= 4.1) {
    notCarried.push(`top_p ${options.topP} with temperature ${options.temperature} (this model takes one of them)`);
  }
  return notCarried;
}

/**
 * A Claude model's version (4.5 for `claude-sonnet-4-5-20250929`), read from the id Anthropic names it by
 * (`claude-<family>-<major>[-<minor>][-<date>]`); 3.7 for the older `claude-3-7-sonnet-…` form; undefined for
 * any other id (a server with an Anthropic-compatible API serving its own models). From 4.1 (Opus 4.1, Sonnet
 * 4.5, Haiku 4.5 and every Claude after them) a model takes temperature or top_p, not both, and takes strict tools.
 */
export function claudeVersion(id: string): number | undefined {
  const match = /claude-(?:opus|sonnet|haiku)-(\d+)(?:[-.](\d{1,2}))?(?!\d)/.exec(id) ?? /claude-(\d+)(?:-(\d))?-(?:opus|sonnet|haiku)/.exec(id);
  if (!match) return undefined;
  return Number(match[1]) + Number(match[2] ?? 0) / 10;
}

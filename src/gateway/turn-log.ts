import type { AgentEvent, TurnResult } from "../agent/agent-events.js";
import { attemptCauses, causeOf, lastCalled, repliesOf } from "../models/attempt-causes.js";
import { isHearthError } from "../shared/errors.js";
import type { HandleResult, InboundMessage } from "./port.js";

/** A turn's log line: hearth's own words and counts, never a message's (see turnLogFields). */
export type TurnLogFields = Record<string, string | number | boolean>;

/** Where the gateway writes one line per turn (the gateway's log: `logger.info(fields, "turn")`). */
export type TurnLog = (fields: TurnLogFields) => void;

/**
 * How a turn ended: "answered"; "cut-off" (the answer stopped at its reply limit or the model's
 * window); "stopped" (a person's Stop, a sender gone, the gateway's stop, maxSteps or a tool loop);
 * "failed" (no answer, `cause` says which kind: permanent, transient, fault).
 */
export type TurnOutcome = "answered" | "cut-off" | "stopped" | "failed";

/** How much of a failure's or a stop's words the line keeps: a server that quotes the request back in its error gets no more into the log. */
const LOGGED_WORDS = 240;

/**
 * Watches one message through the gateway for its log line: the message with an `onEvent` that
 * counts the tools its turn called and keeps the reply-limit notice (the only events looked at), and
 * `ended`, which writes the line once the caller has had its answer (on the next turn of the event
 * loop: the log's write never delays one). A command (`/status`) is no turn: it writes none.
 */
export function watchTurn(inbound: InboundMessage, turn: { agent: string; log: TurnLog }): { inbound: InboundMessage; ended: (result: HandleResult) => void; broke: (error: unknown) => void } {
  const arrived = performance.now();
  let tools = 0;
  let cutOff: string | undefined;
  const onEvent = (event: AgentEvent): void => {
    if (event.type === "tool-start") tools += 1;
    else if (event.type === "notice" && event.about === "reply-limit") cutOff = event.text;
    inbound.onEvent?.(event);
  };
  const write = (fields: () => TurnLogFields): void => {
    const ms = Math.round(performance.now() - arrived);
    setImmediate(() => turn.log({ session: inbound.session, channel: inbound.channel, agent: turn.agent, ...fields(), ms }));
  };
  return {
    inbound: { ...inbound, onEvent },
    ended: (handled) => {
      if (handled.kind === "turn") write(() => turnLogFields(handled.result, { tools, cutOff }));
    },
    broke: (error) => write(() => brokenFields(error)),
  };
}

/**
 * What the line says of a turn's result: how it ended and why (hearth's words, cut at LOGGED_WORDS;
 * not again where the failed attempts say it),
 * the model that answered (for a failure, the last one called), how many model replies the answer is
 * made of (`replies`: one per step of a tool turn, so a two-step turn's 2 is no failure), each attempt
 * that did not answer (`failed`: model, outcome and cause), the tools it called, its tokens, and what
 * became of a compaction it needed.
 */
export function turnLogFields(result: TurnResult, seen: { tools: number; cutOff: string | undefined }): TurnLogFields {
  const failed = attemptCauses(
    result.attempts.map((attempt) => ({ model: attempt.model, outcome: attempt.outcome, cause: causeOf(attempt) })),
    LOGGED_WORDS,
  );
  const model = result.ok ? result.model : lastCalled(result.attempts);
  const { outcome, cause, why } = endOf(result, seen.cutOff);
  // A failure the failed attempts already word (a single model's refusal) is not said twice.
  const said = why !== undefined && model !== undefined && failed.includes(causeOf({ model, outcome, message: why }) ?? why);
  return {
    outcome,
    ...(cause ? { cause } : {}),
    ...(why && !said ? { why: cut(why) } : {}),
    ...(model ? { model } : {}),
    replies: repliesOf(result.attempts),
    ...(failed === "" ? {} : { failed }),
    tools: seen.tools,
    // As OpenAI counts a prompt: the tokens read from the server's cache included.
    inputTokens: result.usage.input + result.usage.cacheRead + result.usage.cacheWrite,
    outputTokens: result.usage.output,
    ...(result.usage.estimated ? { estimatedTokens: true } : {}),
    ...(result.compaction ? { compaction: result.compaction.outcome } : {}),
  };
}

function endOf(result: TurnResult, cutOff: string | undefined): { outcome: TurnOutcome; cause?: string | undefined; why?: string | undefined } {
  if (result.ok) {
    if (result.stopped !== undefined) return { outcome: "stopped", why: result.stopped };
    if (result.truncated) return { outcome: "cut-off", why: cutOff };
    return { outcome: "answered" };
  }
  if (result.cause === "cancelled") return { outcome: "stopped", why: result.error };
  return { outcome: "failed", cause: result.cause, why: result.error };
}

/** A message whose handling threw (its session could not be kept or read, a fault in hearth): failed, and why. */
function brokenFields(error: unknown): TurnLogFields {
  const why = isHearthError(error) ? [error.message, ...error.details].join(" — ") : error instanceof Error ? error.message : String(error);
  return { outcome: "failed", cause: isHearthError(error) ? "permanent" : "fault", why: cut(why), replies: 0, tools: 0 };
}

function cut(words: string): string {
  return words.length > LOGGED_WORDS ? `${words.slice(0, LOGGED_WORDS)}…` : words;
}

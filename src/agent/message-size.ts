import type { ModelSpec } from "../ai/model-spec.js";
import type { ServerKind } from "../ai/server-kind.js";
import type { Context } from "../ai/types.js";
import { estimateTokens } from "../ai/usage.js";
import { contextRaise, fixedParts, noRoomRefusal, partsWords, scaleParts, windowWords, type PromptParts, type ServedShape } from "../models/context-fit.js";
import type { Budget } from "./context-budget.js";

export interface MessageRoom {
  model: ModelSpec;
  budget: Budget;
  /** Tokens of the system prompt and of the tool schemas as sent to this model (none where its tools are off). */
  systemTokens: number;
  toolTokens: number;
  /** The server's tokens per estimated token for this model (1: not known). */
  ratio: number;
  /** Requests its server runs at once (llama.cpp total_slots), where it said. */
  slots?: number | undefined;
  /** The most context the model can have, where its server said (llama.cpp n_ctx_train, LM Studio, Ollama). */
  maximum?: number | undefined;
  /** The kind of server it is, where it said: the advice names its setting alone. */
  kind?: ServerKind | undefined;
  /** What one message may take: the prompt's share of the window minus the fixed part. */
  room: number;
}

/** A candidate and its budget; `toolsOff`: its tools are not sent (the server said its template cannot render them, or compat). */
export interface RoomCandidate {
  model: ModelSpec;
  budget: Budget;
  toolsOff?: boolean | undefined;
  /** The server's tokens per estimated token (as learned); default 1. */
  ratio?: number | undefined;
  /** Requests its server runs at once (llama.cpp total_slots), where it said. */
  slots?: number | undefined;
  /** The most context the model can have, where its server said. */
  maximum?: number | undefined;
  /** The kind of server it is, where it said: the advice names its setting alone. */
  kind?: ServerKind | undefined;
}

/** How much of each candidate's effective window a single message may take, the roomiest first. */
export function messageRooms(candidates: readonly RoomCandidate[], fixed: Pick<Context, "systemPrompt" | "tools">): MessageRoom[] {
  const estimated = fixedParts(fixed);
  return candidates
    .map(({ model, budget, toolsOff, ratio = 1, slots, maximum, kind }) => {
      const systemTokens = Math.round(estimated.systemTokens * ratio);
      const toolTokens = toolsOff ? 0 : Math.round(estimated.toolTokens * ratio);
      return { model, budget, systemTokens, toolTokens, ratio, slots, maximum, kind, room: Math.max(0, budget.promptTokens - systemTokens - toolTokens) };
    })
    .sort((a, b) => b.room - a.room);
}

/**
 * Pure: the refusal for a message no window in the chain can take, or undefined when it fits
 * somewhere. Either not even the system prompt, the tools and the reply fit the roomiest window (the
 * server's context is too small: no message could be answered, whatever its size), or the message is
 * larger than what that window leaves. Such a message would overflow every candidate: it never
 * reaches a server.
 */
export function oversizeRefusal(text: string, rooms: readonly MessageRoom[]): string | undefined {
  const roomiest = rooms[0];
  if (!roomiest) return undefined;
  const estimate = estimateTokens(text);
  if (rooms.some((candidate) => Math.round(estimate * candidate.ratio) <= candidate.room)) return undefined;
  const tokens = Math.round(estimate * roomiest.ratio);
  const { model, budget } = roomiest;
  const parts: PromptParts = { systemTokens: roomiest.systemTokens, toolTokens: roomiest.toolTokens, messageTokens: tokens, replyTokens: budget.replyTokens, reserveTokens: budget.reserveTokens };
  const served: ServedShape = { window: budget.window, slots: roomiest.slots, maximum: roomiest.maximum, kind: roomiest.kind };
  const noRoom = roomiest.room === 0 ? noRoomRefusal(model, served, parts) : undefined;
  if (noRoom) return `${noRoom} Nothing was sent.`;
  const count = (value: number): string => value.toLocaleString("en-US");
  const fixed = roomiest.systemTokens + roomiest.toolTokens;
  const bottleneck = budget.window < model.contextWindow;
  const servedWords = bottleneck ? `: what its server runs, contextWindow says ${count(model.contextWindow)}` : "";
  return (
    `the message is too large: about ${count(tokens)} tokens, and the largest window in the chain (${model.ref}, ${count(budget.window)} tokens${servedWords}) ` +
    `leaves about ${count(roomiest.room)} for a message after the system prompt and tools (${count(fixed)}), the reply (${count(budget.replyTokens)}) and the reserve (${count(budget.reserveTokens)}). ` +
    `${oversizeFix(model, { served, parts, bottleneck })} Nothing was sent.`
  );
}

/**
 * What to do with a message too large for the roomiest window. Where its server runs the model with less
 * than contextWindow, or the model can have more than the window (its server said its maximum), a larger
 * context first — the brief's "raise the server's limit", never past the most the model can have; where
 * even that cannot hold the message, said so; else split or attach it.
 */
function oversizeFix(model: ModelSpec, fit: { served: ServedShape; parts: PromptParts; bottleneck: boolean }): string {
  const raise = contextRaise(model, fit);
  if (!raise.possible) return `${raise.words[0]?.toUpperCase() ?? ""}${raise.words.slice(1)}: split it, attach it as a file, or use a model with a larger window.`;
  const roomier = fit.bottleneck || (fit.served.maximum !== undefined && fit.served.maximum > fit.served.window);
  if (model.local && roomier) return `Fix: ${raise.words} — or split it, or attach it as a file.`;
  return "Split it, or attach it as a file.";
}

/**
 * Pure: why `model` is not sent this turn, or undefined when it may be. `turn`: the prompt with every
 * earlier turn left out — the system prompt, the tools, the turn's message and its steps so far: what no
 * summary or trim makes smaller — and its size as the model's server counts it. Where that alone is more
 * than the prompt may use beside the reply and the reserve, no fold can make the turn fit its window.
 */
export function turnTooLarge(model: ModelSpec, budget: Budget, turn: { context: Context; tokens: number }): string | undefined {
  if (turn.tokens <= budget.promptTokens) return undefined;
  const count = (value: number): string => value.toLocaleString("en-US");
  const fixed = scaleParts({ ...fixedParts(budget.toolsOff ? { ...turn.context, tools: undefined } : turn.context), messageTokens: 0, replyTokens: 0, reserveTokens: 0 }, budget.tokenRatio);
  const parts: PromptParts = { ...fixed, messageTokens: Math.max(0, turn.tokens - fixed.systemTokens - fixed.toolTokens) };
  return (
    `${windowWords(model, budget.window)}, and this turn alone takes about ${count(turn.tokens)} tokens (${partsWords(parts, "its messages")}) — no summary or trim of earlier turns makes it smaller — ` +
    `more than the ${count(budget.promptTokens)} its prompt may use beside the reply (${count(budget.replyTokens)}) and the reserve (${count(budget.reserveTokens)}): not sent to it`
  );
}

import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { estimateContextTokens, estimateTokens } from "../ai/usage.js";
import type { Budget } from "./context-budget.js";

export interface MessageRoom {
  model: ModelSpec;
  budget: Budget;
  /** Tokens of the system prompt and tool schemas. */
  fixedTokens: number;
  /** What one message may take: the prompt's share of the window minus the fixed part. */
  room: number;
}

/** How much of each candidate's effective window a single message may take, the roomiest first. */
export function messageRooms(candidates: readonly { model: ModelSpec; budget: Budget }[], fixed: Pick<Context, "systemPrompt" | "tools">): MessageRoom[] {
  const fixedTokens = estimateContextTokens({ ...fixed, messages: [] });
  return candidates.map(({ model, budget }) => ({ model, budget, fixedTokens, room: Math.max(0, budget.promptTokens - fixedTokens) })).sort((a, b) => b.room - a.room);
}

/**
 * Pure: the refusal for a message larger than the roomiest window in the chain allows, or undefined
 * when it fits somewhere. Such a message would overflow every candidate: it never reaches a server.
 */
export function oversizeRefusal(text: string, rooms: readonly MessageRoom[]): string | undefined {
  const roomiest = rooms[0];
  if (!roomiest) return undefined;
  const tokens = estimateTokens(text);
  if (tokens <= roomiest.room) return undefined;
  const count = (value: number): string => value.toLocaleString("en-US");
  return (
    `the message is too large: about ${count(tokens)} tokens, and the largest window in the chain (${roomiest.model.ref}, ${count(roomiest.budget.window)} tokens) ` +
    `leaves about ${count(roomiest.room)} for a message after the system prompt and tools (${count(roomiest.fixedTokens)}), the reply (${count(roomiest.budget.replyTokens)}) and the reserve (${count(roomiest.budget.reserveTokens)}). ` +
    "Split it, or attach it as a file. Nothing was sent."
  );
}

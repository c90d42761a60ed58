import { randomBytes } from "node:crypto";

/**
 * An id for a tool call the server sent none for. Random, never positional: a client keeps every round's
 * calls in its history, and two `call_0` of two answers there go on as duplicate ids, which Anthropic
 * (tool_use ids) and OpenAI (call_id) refuse.
 */
export function newCallId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

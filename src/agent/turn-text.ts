import type { AssistantMessage } from "../ai/types.js";

/** One reply's words: its text parts as said, the ends trimmed (its reasoning and tool calls are not words of the answer). */
export function replyText(message: Pick<AssistantMessage, "content">): string {
  return message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
}

/**
 * The answer of a turn: the words of each of its replies, in order, a paragraph apart — what a stream
 * of the turn showed (text written before a tool call, then the text after it). A front end that shows
 * only the final text (a whole API reply, WhatsApp, `hearth agent`, a reloaded transcript) shows this,
 * so no word the model said to the user is lost because it came before a tool call.
 */
export function turnText(replies: readonly Pick<AssistantMessage, "content">[]): string {
  return joinReplies(replies.map(replyText));
}

/** Replies' words joined as a turn's answer: the empty ones left out, a blank line between the others. */
export function joinReplies(texts: readonly string[]): string {
  return texts.filter((text) => text !== "").join("\n\n");
}

import type { ImageContent, TextContent, UserMessage } from "./types.js";

/**
 * A user message's parts as every adapter sends them: no empty text part — Anthropic refuses one with
 * a 400 ("text content blocks must be non-empty"), and none of the others needs it. A message of
 * images only is sent as its images only.
 */
export function userParts(message: UserMessage): (TextContent | ImageContent)[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ type: "text", text: message.content }];
  return message.content.filter((part) => part.type !== "text" || part.text !== "");
}

import type { AssistantMessage } from "../ai/types.js";

/**
 * What a reply says when it ended without a word of an answer — no tool call, no reasoning, no text but
 * whitespace — so that an empty reply (`content: ""`, a Responses `output: []`) with output tokens
 * counted does not read as an answer lost on the way: hearth passes on every character its server sent.
 * - Text of whitespace only (a JSON-constrained answer cut short often is): said with how many
 *   characters; proxy mode passes them as they are, agent mode shows an answer's words only.
 * - No text at all while the server counted output tokens: llama.cpp's server streams no answer that is
 *   only whitespace (its `/v1/chat/completions` gives it when not streamed), and hearth streams from it.
 * The reply limit that ended it (`stopReason` "length") is named: a larger one lets the model go on.
 * `limitField`: the request's name for its reply limit (proxy mode), else "its reply limit".
 */
export function emptyAnswerNotice(message: Pick<AssistantMessage, "content" | "usage" | "stopReason">, named: { name: string; limitField?: string | undefined }): string | undefined {
  const said = message.content.some((part) => part.type === "tool-call" || (part.type === "reasoning" && (part.text.trim() !== "" || part.signature !== undefined || part.redacted !== undefined)));
  if (said) return undefined;
  const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  if (text.trim() !== "") return undefined;
  const limit = named.limitField === undefined ? "its reply limit" : `the reply limit (${named.limitField})`;
  const cut = message.stopReason === "length" ? `; ${limit} ended it before any word — a larger one lets it go on` : "";
  if (text !== "") return `${named.name} answered with whitespace only (${text.length} character${text.length === 1 ? "" : "s"}), no words${cut}`;
  const counted = message.usage.estimated ? 0 : message.usage.output;
  if (counted <= 0) return undefined;
  return `${named.name} produced ${counted} output token${counted === 1 ? "" : "s"}, and its server sent no text for them (llama.cpp's server, for one, streams no answer that is only whitespace)${cut}`;
}

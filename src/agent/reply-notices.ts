import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { AssistantMessage } from "../ai/types.js";
import { reasoningShownNotice } from "../models/reasoning-shown-notice.js";
import { emptyAnswerNotice } from "../models/empty-answer-notice.js";
import { turnText } from "./turn-text.js";

/**
 * What the turn says of one reply of its model, before the reply is written (so that the entry keeps it
 * with the answer, NoteKeeper): its text turned out to begin with reasoning that a stream showed as text
 * (reasoningShownNotice), or it gave reasoning alone — which reads as an empty answer wherever reasoning
 * is hidden: said, not left blank; or no word at all (emptyAnswerNotice). `replies`: the turn's replies so far, this one last.
 * The first is marked `about: "reasoning-shown"`: it speaks of the live text, which a channel that sends only
 * the final answer (WhatsApp) never showed.
 */
export function replyNotices(message: AssistantMessage, turn: { replies: readonly AssistantMessage[]; catalog: { models: ReadonlyMap<ModelRef, ModelSpec>; aliasOf(ref: ModelRef): string | undefined } }): { text: string; about?: "reasoning-shown" }[] {
  const { replies, catalog } = turn;
  const notices: { text: string; about?: "reasoning-shown" }[] = [];
  const shown = reasoningShownNotice(message, { name: catalog.aliasOf(message.model) ?? message.model, spec: catalog.models.get(message.model) });
  if (shown) notices.push({ text: shown, about: "reasoning-shown" });
  const calls = message.content.some((part) => part.type === "tool-call");
  const reasoned = message.content.some((part) => part.type === "reasoning" && part.text.trim() !== "");
  if (!calls && reasoned && message.stopReason !== "length" && turnText(replies) === "") {
    notices.push({ text: "the model gave reasoning only, no answer: /retry asks again (/reasoning on shows what it thought)" });
  }
  // No word in the whole turn (whitespace is not shown as an answer): why the answer is empty.
  const empty = turnText(replies) === "" ? emptyAnswerNotice(message, { name: catalog.aliasOf(message.model) ?? message.model }) : undefined;
  if (empty) notices.push({ text: empty });
  return notices;
}

import type { AgentEvent } from "../../agent/agent-events.js";
import { turnNote } from "../../agent/turn-notes.js";
import type { ModelNames } from "../../models/waiting-notice.js";
import type { TurnResult } from "../../agent/agent-events.js";
import type { Catalogue } from "../../gateway/port.js";
import { fallbackNotice, localInWords } from "../../models/fallback-notice.js";

/**
 * The notes about an answer that WhatsApp sends after it, each an italic paragraph of its own (a long answer split into several messages keeps each note whole), in the words every
 * channel uses (`turnNote`): the answer was cut off (at its reply limit or the model's window), earlier
 * turns were summarised or left out of what the model was sent, and the turn's other notices (a server
 * with less context than configured, a model gone from the config, tools off for a model). Not the
 * waits, the loading note and the fallback's notice (said apart, as they happen), nor the failed attempts
 * before a fallback, nor the line naming a message sent again (the answer opens with it), nor the one saying
 * a stream showed reasoning as text (WhatsApp sends only the final answer: it never showed it).
 */
export class AnswerNotes {
  private readonly lines: string[] = [];

  constructor(private readonly names: () => ModelNames) {}

  /** Reads one event of the turn. */
  read(event: AgentEvent): void {
    if (event.type === "notice" && (event.about === "sent-again" || event.about === "reasoning-shown")) return;
    if (event.type !== "notice" && event.type !== "compaction") return;
    const note = turnNote(event, this.names());
    if (!note?.kept || (note.kind !== "truncated" && note.kind !== "notice" && note.kind !== "compaction")) return;
    if (!this.lines.includes(note.text)) this.lines.push(note.text);
  }

  /** The answer with the notes after it (none: the answer as it is). */
  after(answer: string): string {
    // A turn stopped before its answer says why as its answer already (answerText).
    const lines = this.lines.filter((line) => !answer.includes(line));
    return lines.length === 0 ? answer : [answer, ...lines.map((line) => `_${line}_`)].join("\n\n");
  }
}

/**
 * The fallback's notice as a phone shows it: what happened — which model answered, and why the first did not —
 * without the numbers of a window too small, which run to hundreds of characters (the terminal, the log and
 * `hearth sessions show` keep them; the sender can do nothing with them). Undefined when the turn has no notice
 * (the agent's `fallbackNotice` off, or the first model answered); the turn's own words where its attempts do
 * not say it.
 */
export function phoneNotice(turn: Extract<TurnResult, { ok: true }>, catalogue: Catalogue): string | undefined {
  if (turn.notice === undefined) return undefined;
  const describe = (ref: string): { name: string; local: boolean | undefined } => {
    const model = catalogue.models.find((candidate) => candidate.ref === ref);
    return { name: model?.alias ?? ref, local: model && localInWords(model.spec) };
  };
  return fallbackNotice(turn.attempts, describe, { brief: true }) ?? turn.notice;
}

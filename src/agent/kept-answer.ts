import type { AssistantMessage } from "../ai/types.js";
import { emptyUsage } from "../ai/usage.js";
import type { Attempt } from "../models/router-events.js";
import type { SessionEntry, TurnFailureCause } from "../sessions/entries.js";
import { stoppedByGateway } from "../shared/gateway-stopping.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { maskStreamEnd } from "../shared/secret-stream.js";
import { newEntryId } from "../sessions/session-store.js";
import type { TurnResult } from "./agent-events.js";
import { replyText, turnText } from "./turn-text.js";
import { record, type TurnState } from "./turn-state.js";

/** What the note beside an answer a person stopped says (the page, `sessions show`, the entry's notes). */
export const STOPPED_BY_USER = "stopped by the user: the answer so far is kept as the turn's answer (/retry asks again)";

/** Why a turn the gateway's stop cut off after its words went out ends: what the client and the note ("the answer was cut off: …") say — true after the restart too. */
const CUT_BY_STOP = "the gateway stopped partway through it; the part shown is kept in the session — /retry sends the message again";

/** Why a turn the gateway's stop cut off before any word of an answer ends. */
const CUT_BEFORE_ANSWER = "the gateway stopped before this turn's answer began; the message is saved — /retry sends it again";

/** How a turn's last entry is saved: undefined when saved, else the store's fault in words. */
export type SaveLast = (entry: SessionEntry) => Promise<string | undefined>;

/** How a turn that gets no answer is marked failed (`Agent.fail`). */
export type FailTurn = (error: string, cause: TurnFailureCause) => Promise<TurnResult>;

/**
 * A reply whose streams stopped mid-way (cut off, stopped), as it is kept: its last text and its last
 * reasoning end where their streams ended, masked as the channel was shown them (maskStreamEnd).
 */
export function maskedCut(message: AssistantMessage, secrets: SecretRedactor | undefined): AssistantMessage {
  if (!secrets) return message;
  const lastText = message.content.findLastIndex((part) => part.type === "text");
  const lastReasoning = message.content.findLastIndex((part) => part.type === "reasoning");
  const content = message.content.map((part, index) => ((part.type === "text" && index === lastText) || (part.type === "reasoning" && index === lastReasoning) ? { ...part, text: maskStreamEnd(secrets, part.text) } : part));
  return { ...message, content };
}

/**
 * The model failed after the channel showed part of its answer and could not restart it (an API
 * stream), or the gateway's stop cut it: what the user was shown is kept as the turn's answer, marked
 * cut off (`stopReason: "error"`) — never dropped. The turn still fails (the client gets the error).
 */
export async function keepCutOff(state: TurnState, cut: { shown: AssistantMessage; error: string; attempts: readonly Attempt[]; cause: TurnFailureCause; save: SaveLast }): Promise<TurnResult> {
  state.emit({ type: "notice", text: `the answer was cut off: ${cut.error}`, about: "reply-limit" });
  const message: AssistantMessage = { ...cut.shown, content: cut.shown.content.filter((part) => part.type !== "tool-call"), stopReason: "error" };
  const unsaved = await cut.save({ type: "assistant", id: newEntryId(), at: new Date().toISOString(), message, attempts: cut.attempts.map(record) });
  const base = { session: state.key, attempts: state.attempts, cause: cut.cause, compaction: state.compaction, usage: state.usage };
  if (unsaved) return { ok: false, error: `${cut.error}; the part of the answer shown could not be saved: ${unsaved}`, ...base };
  return { ok: false, error: cut.error, ...base, keptCutOff: replyText(message) };
}

/**
 * A turn stopped while it ran (its signal aborted): a person's Stop, a client that went away, the
 * gateway's stop at the end of its drain. Where the channel showed words of the answer as they came
 * (`showsLiveText`) — this reply's so far, or the words of a reply before its tools ran — they are the
 * turn's answer: a person's stop keeps them marked stopped (`stopReason: "aborted"`, and a note), the
 * gateway's marked cut off. A stop that showed nothing leaves the turn unanswered (cancelled), as
 * before. `partial`: the reply under way when it stopped (a stop between steps has none: the mark is
 * then an entry without content, which the model is never sent).
 */
export async function keepStopped(
  state: TurnState,
  stop: { replies: readonly AssistantMessage[]; partial: AssistantMessage | undefined; attempts: readonly Attempt[]; signal: AbortSignal | undefined; showsLiveText: boolean; error: string; save: SaveLast; fail: FailTurn },
): Promise<TurnResult> {
  const byGateway = stoppedByGateway(stop.signal);
  const partial = stop.partial && replyText(stop.partial) !== "" ? stop.partial : undefined;
  const shown = stop.showsLiveText ? turnText([...stop.replies, ...(partial ? [partial] : [])]) : "";
  const base = partial ?? stop.replies.at(-1);
  if (shown === "" || !base) return await stop.fail(byGateway ? CUT_BEFORE_ANSWER : stop.error, "cancelled");
  const kept: AssistantMessage = partial ?? { ...base, content: [], usage: emptyUsage(), cost: 0 };
  if (byGateway) return await keepCutOff(state, { shown: kept, error: CUT_BY_STOP, attempts: stop.attempts, cause: "cancelled", save: stop.save });
  state.emit({ type: "notice", text: STOPPED_BY_USER });
  const message: AssistantMessage = { ...kept, content: kept.content.filter((part) => part.type !== "tool-call"), stopReason: "aborted" };
  const unsaved = await stop.save({ type: "assistant", id: newEntryId(), at: new Date().toISOString(), message, attempts: stop.attempts.map(record) });
  if (unsaved) return { ok: false, error: `the turn was stopped; the part of the answer shown could not be saved: ${unsaved}`, session: state.key, attempts: state.attempts, cause: "cancelled", compaction: state.compaction, usage: state.usage, unsavedAnswer: shown };
  return { ok: true, text: shown, model: message.model, session: state.key, attempts: state.attempts, usage: state.usage, cost: stop.replies.reduce((sum, reply) => sum + reply.cost, message.cost), notice: undefined, truncated: false, compaction: state.compaction, stopped: STOPPED_BY_USER };
}

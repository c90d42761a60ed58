import type { Agent } from "../agent/agent.js";
import type { UserEntry } from "../agent/agent-options.js";
import { latestTurnMarks, sessionSettings } from "../agent/build-context.js";
import type { EntryIndex } from "../agent/conversation-index.js";
import { commandWord, literalText } from "../agent/command-shape.js";
import { isCommand, isRetry } from "../agent/commands.js";
import { IMAGE_LEFT_OUT_LINE } from "../agent/inbound-images.js";
import { joinReplies, replyText } from "../agent/turn-text.js";
import type { SessionEntry } from "../sessions/entries.js";
import type { ClientMessage } from "./port.js";

/**
 * What a client that keeps its own history sent, held against the session's (agent mode):
 * - "resend": the request is the session's conversation without its last answer, ending with the same
 *   message (a "regenerate"; an SDK's resend of a request whose answer it lost), or without the
 *   message's failed try — that message is sent again as `/retry` sends one (`entry`), never saved twice;
 * - "continues": the request's earlier messages are the session's latest ones, or there are none (the
 *   client sends the new message alone): a new turn, nothing to say — but the only message of a session
 *   of one turn said again alone is a "resend" (a regenerate: see endsWith);
 * - "differs": they are not (an edited question, another conversation under the same key): a new turn
 *   after the session's own history, and `notice` says so.
 * A resend's `notice` says when its answer takes the place of one the session had (a regenerate).
 */
export type HistoryMatch =
  | { kind: "resend"; entry: UserEntry; notice: string | undefined }
  | { kind: "continues" }
  | { kind: "differs"; notice: string };

/** A turn of a conversation as text: the user's words and the answer's (undefined user: a history the client cut before its first question). */
interface TextTurn {
  user: string | undefined;
  answer: string;
  /** A tool call or result: what no conversation with an agent holds for the client, so it never matches. */
  foreign?: true;
}

/** The request held against the session as the agent reads it now (with its index: only the latest turns are read). */
export async function historyMatch(agent: Agent, request: { session: string; history: readonly ClientMessage[]; text: string }): Promise<HistoryMatch> {
  const entries = await agent.readSession(request.session);
  return matchClientHistory(entries, { ...request, index: agent.indexOf(entries) });
}

/** Compares the request's earlier messages and its new message (`text`, as the gateway will save it) with the session's entries. */
export function matchClientHistory(entries: readonly SessionEntry[], request: { session: string; history: readonly ClientMessage[]; text: string; index?: EntryIndex | undefined }): HistoryMatch {
  const asked = clientTurns(request.history);
  const start = sessionSettings(entries, request.index).start;
  const reading = { start, index: request.index };
  // The session's latest turns, two more than the client's (the one it may ask again, and one to tell "more" from "none"): all that is held against them.
  const { turns, unanswered } = sessionTurns(entries, { ...reading, latest: asked.length + 2 });
  const text = normal(request.text);
  const last = turns.at(-1);
  // The last answer left out, its question asked again: that question once more, in the answer's place.
  if (last && normal(last.user.text, { imageLines: true }) === text && endsWith(turns.slice(0, -1), asked, { whole: true })) {
    return { kind: "resend", entry: last.user, notice: `the request is session ${request.session}'s conversation without its last answer, and asks its last message again: this answer replaces that one (as /retry would), the message is kept once` };
  }
  // The message's earlier try got no answer: that try sent again (as an SDK's resend is).
  if (unanswered && normal(unanswered.text, { imageLines: true }) === text && endsWith(turns, asked, { whole: true })) return { kind: "resend", entry: unanswered, notice: undefined };
  if (endsWith(turns, asked, { whole: false })) return { kind: "continues" };
  const count = request.history.length;
  const kept = sessionTurns(entries, { ...reading, latest: Number.POSITIVE_INFINITY }).turns.length * 2;
  return {
    kind: "differs",
    notice: `the request's ${count} earlier message${count === 1 ? "" : "s"} differ from session ${request.session}'s history (${kept === 0 ? "no messages yet" : `${kept} messages`}): hearth used its own — an agent keeps the conversation itself (send the new message alone; a new x-hearth-session key, or /new, starts afresh)`,
  };
}

/**
 * The `latest` turns of the session's current conversation as the model is sent it (the turns that got
 * no answer and those a resend replaced left out; all of them when it has fewer), each the user's message
 * and the answer's words (every reply of the turn, as the client was sent them); `unanswered`: the
 * conversation's last message when it got none. Read from the end: from as many of the last messages as
 * give `latest` turns (twice as many each time some are left out), marked from there on (turnMarksFrom).
 */
function sessionTurns(entries: readonly SessionEntry[], want: { latest: number; start: number; index: EntryIndex | undefined }): { turns: { user: UserEntry; answer: string }[]; unanswered: UserEntry | undefined } {
  const { start, index } = want;
  for (let messages = want.latest; ; messages *= 2) {
    const { from, whole } = latestMessages(entries, { count: messages, start });
    const { unanswered, replaced } = latestTurnMarks(entries, { from, start, pending: undefined, index });
    const turns: { user: UserEntry; replies: string[] }[] = [];
    let lastUser: UserEntry | undefined;
    let skipping = false;
    for (let index = from; index < entries.length; index++) {
      const entry = entries[index] as SessionEntry;
      if (entry.type === "user") {
        lastUser = entry;
        skipping = unanswered.has(entry.id) || replaced.has(entry.id);
        if (!skipping) turns.push({ user: entry, replies: [] });
      } else if (entry.type === "assistant" && !skipping) turns.at(-1)?.replies.push(replyText(entry.message));
    }
    if (turns.length < want.latest && !whole) continue;
    return {
      turns: turns.slice(Math.max(0, turns.length - want.latest)).map((turn) => ({ user: turn.user, answer: joinReplies(turn.replies) })),
      unanswered: lastUser && unanswered.has(lastUser.id) ? lastUser : undefined,
    };
  }
}

/** Where the current conversation's (from `start`) last `count` user messages start (`start` when it has no more; `whole` then). */
function latestMessages(entries: readonly SessionEntry[], find: { count: number; start: number }): { from: number; whole: boolean } {
  let found = 0;
  for (let index = entries.length - 1; index >= find.start; index--) {
    if (entries[index]?.type === "user" && ++found >= find.count) return { from: index, whole: false };
  }
  return { from: find.start, whole: true };
}

/**
 * The client's earlier messages as turns: a question with no answer after it (its try failed, or it
 * waits in the client) is left out, as the session leaves out a turn that got none; an in-chat command
 * (`/status`) and its answer are no turn of the session, and a `/new` starts the conversation afresh.
 */
function clientTurns(history: readonly ClientMessage[]): TextTurn[] {
  const turns: TextTurn[] = [];
  let question: string | undefined;
  let command = false;
  for (const message of history) {
    if (message.role === "user") {
      command = isCommand(message.text) || isRetry(message.text);
      if (command && commandWord(message.text) === "/new") turns.length = 0;
      question = command ? undefined : literalText(message.text);
      continue;
    }
    if (command) continue;
    const previous = turns.at(-1);
    if (message.role === "other") turns.push({ user: question, answer: "", foreign: true });
    // The words of one answer sent in two messages (a client that keeps a tool step's text apart) are one answer.
    else if (question === undefined && previous && !previous.foreign) previous.answer = joinReplies([previous.answer, message.text]);
    else turns.push({ user: question, answer: message.text });
    question = undefined;
  }
  return turns;
}

/**
 * Whether the client's turns are the session's last ones. `whole`: none from the client (it sends the
 * new message alone) match only when the session has none either; otherwise no turns at all match
 * anything. So a resend (matchClientHistory, which holds the client's turns against the session's
 * before its last) made of the new message alone is found only in a session of one turn: its only
 * message said again alone is a regenerate, with its notice — a conversation of one question without
 * its answer is that question alone, the same request. In a longer session, a
 * client that keeps no history saying its last question's words again ("yes", "go on") asks anew.
 */
function endsWith(session: readonly { user: UserEntry; answer: string }[], client: readonly TextTurn[], how: { whole: boolean }): boolean {
  if (client.length === 0) return !how.whole || session.length === 0;
  if (client.length > session.length) return false;
  const offset = session.length - client.length;
  return client.every((turn, index) => {
    const kept = session[offset + index] as { user: UserEntry; answer: string };
    if (turn.foreign) return false;
    // The first turn of a history the client cut short may start at an answer.
    if (turn.user === undefined ? index !== 0 : normal(turn.user) !== normal(kept.user.text, { imageLines: true })) return false;
    return sameAnswer(turn.answer, kept.answer);
  });
}

/** The answer as the client shows it and as the session keeps it: the same words, whatever the whitespace. */
function sameAnswer(shown: string, kept: string): boolean {
  const said = normal(shown);
  const words = normal(kept);
  if (said === words) return true;
  // A turn that stopped with no word of an answer was sent as "(no answer — why)".
  if (words === "" && said.startsWith("(no answer")) return true;
  // A stream showed a model's reasoning as text until its orphan </think> (the session keeps the answer after it).
  const end = /<\/(?:think|thinking|reasoning)>/g;
  let after: number | undefined;
  for (const match of said.matchAll(end)) after = match.index + match[0].length;
  return after !== undefined && normal(said.slice(after)) === words;
}

/** Text compared whatever its whitespace; `imageLines`: without the lines the session added for images it left out. */
function normal(text: string, drop: { imageLines?: boolean } = {}): string {
  const lines = drop.imageLines ? text.split("\n").filter((line) => !IMAGE_LEFT_OUT_LINE.test(line.trim())) : [text];
  return lines.join("\n").replace(/\s+/g, " ").trim();
}

import { lstatSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { stateDir } from "../../config/paths.js";
import type { SessionEntry } from "../../sessions/entries.js";
import { JsonlSessionStore } from "../../sessions/jsonl-session-store.js";
import { MessageTries, SENT_AGAIN_BELOW, withoutRetryPromise, type Showing } from "../../sessions/message-tries.js";
import { busyNotice, checkSessionKey, resetEntry, summarize, turnsInFile, type SessionStore } from "../../sessions/session-store.js";
import { HearthError } from "../../shared/errors.js";
import { nonRegularKind } from "../../shared/fs-fault.js";
import { commandLine, formatTable, terminalSafe, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localTime } from "../../shared/local-time.js";

/** A tool's result in an export: past this it is cut at a word, marked "…". */
const EXPORTED_RESULT_CHARS = 4000;
import { answerNotes, keptNotes } from "../../gateway/transcript.js";
import type { TranscriptNote } from "../../gateway/port.js";
import { cutAtWord, withoutUntrustedMarkers } from "../../agent/tool-words.js";
import { MessageInbox } from "../../gateway/message-inbox.js";

/**
 * The notes the live turn showed beside an entry (a fallback answered, an attempt failed, the answer cut
 * off and why), as the web chat shows them after a reload: one italic line each. Models are named by
 * their refs (these commands read no config).
 */
function noteLines(notes: readonly TranscriptNote[]): string[] {
  return notes.length === 0 ? [] : [...notes.map((note) => `_${note.text}_`), ""];
}

const namedByRef = (ref: string): { name: string; local: undefined } => ({ name: ref, local: undefined });

function storeFor(io: CliIo): SessionStore {
  return new JsonlSessionStore(stateDir({ env: io.env, cwd: io.cwd }), { onWarning: (message) => writeLine(io.stderr, `hearth: warning: ${message}`) });
}

async function readOrFail(store: SessionStore, key: string): Promise<SessionEntry[]> {
  checkSessionKey(key);
  if (!(await store.exists(key))) {
    const keys = await store.keys();
    throw new HearthError("usage", `no session "${key}"${keys.length ? ` (sessions: ${keys.join(", ")})` : " (there are no sessions yet)"}`);
  }
  return (await store.read(key)).entries;
}

export async function sessionsList(io: CliIo, options: GlobalOptions): Promise<number> {
  const { sessions: summaries, problems } = await storeFor(io).list();
  if (options.json) {
    writeJson(io, { sessions: summaries, ...(problems.length ? { problems } : {}) });
  } else if (summaries.length === 0 && problems.length === 0) {
    writeLine(io.stdout, `No sessions yet: \`${commandLine(io, "chat")}\` or \`${commandLine(io, "agent --message …")}\` starts one.`);
  } else if (summaries.length > 0) {
    // A reset session: its turns and last message are the new conversation's, and the row says since when.
    const rows = summaries.map((summary) => [
      summary.key,
      localTime(summary.updated),
      summary.reset ? `${summary.turns} since reset` : String(summary.turns),
      `$${summary.cost.toFixed(4)}`,
      summary.lastText === "" && summary.reset ? `(reset ${localTime(summary.reset.at)}: nothing said since)` : terminalSafe(summary.lastText),
    ]);
    for (const line of formatTable(["SESSION", "UPDATED", "TURNS", "COST", "LAST MESSAGE"], rows)) writeLine(io.stdout, line);
  }
  // A session that cannot be read is never silently missing from the list.
  for (const problem of problems) writeLine(io.stderr, `hearth: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

export interface SessionsDeleteOptions extends GlobalOptions {
  yes?: boolean;
  /** Where the answer to the question comes from; default: standard input. */
  input?: (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
}

/** `hearth sessions reset KEY`: the next turn starts a fresh conversation; the transcript keeps the old one (as `/new`). */
export async function sessionsReset(io: CliIo, options: GlobalOptions, key: string): Promise<number> {
  const store = storeFor(io);
  await readOrFail(store, key);
  const lock = await store.lock(key, { onWait: () => writeLine(io.stderr, busyNotice(key)) });
  try {
    await store.append(key, [resetEntry()], { sync: true });
  } finally {
    await lock.release();
  }
  if (options.json) writeJson(io, { session: key, reset: true });
  else writeLine(io.stdout, `Session "${key}" reset: the next message starts a fresh conversation (the transcript keeps the old one).`);
  return 0;
}

/** `hearth sessions delete KEY [--yes]`: removes the session file, after asking on a terminal. */
export async function sessionsDelete(io: CliIo, options: SessionsDeleteOptions, key: string): Promise<number> {
  const input = options.input ?? process.stdin;
  const store = storeFor(io);
  // A session path that is a FIFO or a device cannot be read, but can be removed: unlink never opens it.
  const special = specialFileKind(store.where(key));
  const entries = special ? [] : await readOrFail(store, key);
  if (!options.yes) {
    if (!input.isTTY) {
      throw new HearthError("usage", `sessions delete: not asking without a terminal; pass --yes to delete session "${key}" (${store.where(key)})`);
    }
    const turns = turnsInFile(summarize(key, entries, ""));
    const what = special ? `${special}, not a session file` : `${turns} turn${turns === 1 ? "" : "s"}`;
    const answer = await ask(input, io.stderr, `Delete session "${key}" (${what}, ${store.where(key)})? This cannot be undone. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      writeLine(io.stderr, "Nothing deleted.");
      return 1;
    }
  }
  const lock = await store.lock(key, { onWait: () => writeLine(io.stderr, busyNotice(key)) });
  try {
    await store.delete(key);
  } finally {
    await lock.release();
  }
  if (options.json) writeJson(io, { session: key, deleted: true });
  else writeLine(io.stdout, `Deleted session "${key}".`);
  return 0;
}

/** What a session path is when it is neither a regular file nor a directory (a FIFO, a device, a socket); undefined otherwise. */
function specialFileKind(path: string): string | undefined {
  let stats;
  try {
    stats = lstatSync(path);
    if (stats.isSymbolicLink()) stats = statSync(path);
  } catch {
    return undefined; // missing or a dangling link: reading says what is wrong
  }
  return stats.isDirectory() ? undefined : nonRegularKind(stats);
}

async function ask(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<string> {
  const lines = createInterface({ input, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      lines.question(question, resolve);
      lines.once("close", () => resolve(""));
    });
  } finally {
    lines.close();
  }
}

/**
 * A session's entries to show, once what a process that is gone left unfinished in it is closed: a turn
 * a killed `hearth agent` was answering reads "no answer: hearth stopped while answering this message
 * (hearth agent was killed or crashed) …", as the next turn there would mark it (MessageInbox.closeGoneIn).
 */
async function readClosingCut(io: CliIo, key: string): Promise<SessionEntry[]> {
  const store = storeFor(io);
  await readOrFail(store, key);
  const inbox = new MessageInbox({ stateDir: stateDir({ env: io.env, cwd: io.cwd }), onWarning: (message) => writeLine(io.stderr, `hearth: warning: ${message}`) });
  await inbox.closeGoneIn(store, key, { lock: () => store.lock(key, { onWait: () => writeLine(io.stderr, busyNotice(key)) }) });
  return (await store.read(key)).entries;
}

export async function sessionsShow(io: CliIo, options: GlobalOptions, key: string): Promise<number> {
  const entries = await readClosingCut(io, key);
  if (options.json) {
    writeJson(io, { session: key, entries });
    return 0;
  }
  io.stdout.write(terminalSafe(transcriptMarkdown(key, entries, false)));
  return 0;
}

export async function sessionsExport(io: CliIo, options: GlobalOptions & { format?: string }, key: string): Promise<number> {
  const entries = await readClosingCut(io, key);
  const format = options.format ?? "md";
  if (format === "json") writeJson(io, { session: key, entries });
  else if (format === "md") io.stdout.write(terminalSafe(transcriptMarkdown(key, entries, true)));
  else throw new HearthError("usage", `--format: "${format}" is not a format; use md or json`);
  return 0;
}

/**
 * The whole transcript, compactions and failed turns included (nothing the user said is ever dropped). A
 * resend is shown by MessageTries' rule, as the web chat shows it: marked where its message was said last
 * ("Sent again"), else shown again as the question above its answer — and a try sent again no longer
 * promises a Retry in its "No answer" line.
 */
export function transcriptMarkdown(key: string, entries: readonly SessionEntry[], withReasoning: boolean): string {
  const out: string[] = [`# Session ${key}`, ""];
  // Reset: the conversation that goes on is the part after the last "New conversation" line.
  const resets = entries.filter((entry) => entry.type === "reset");
  const lastReset = resets.at(-1);
  if (lastReset) out.push(`_Reset ${resets.length === 1 ? "once" : `${resets.length} times`}, last at ${localTime(lastReset.at, "second")}: the conversation that goes on is after the last "New conversation"; what came before is kept here, not sent._`, "");
  const { showings, sentAgain } = messageTries(entries);
  /** The try whose turn is being read. */
  let turn: string | undefined;
  for (const entry of entries) {
    switch (entry.type) {
      case "user": {
        turn = entry.id;
        const showing = showings.get(entry.id);
        if (showing === "in-place") {
          out.push(`_Sent again · ${localTime(entry.at, "second")}_`, "");
          break;
        }
        out.push(`## You · ${localTime(entry.at, "second")}${showing === "again" ? " (sent again)" : ""}`, "", entry.text, "");
        if (entry.quoted) out.push("> (quoted) " + entry.quoted.replace(/\n/g, "\n> "), "");
        break;
      }
      case "assistant": {
        const text = entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("").trim();
        const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("").trim();
        const calls = entry.message.content.flatMap((part) => (part.type === "tool-call" ? [`\`${part.name} ${part.rawArguments}\``] : []));
        out.push(`## ${entry.message.model} · ${localTime(entry.at, "second")}`, "");
        if (withReasoning && reasoning) out.push(`<details><summary>reasoning</summary>\n\n${reasoning}\n\n</details>`, "");
        if (text) out.push(text, "");
        if (calls.length) out.push(`Tools called: ${calls.join(", ")}`, "");
        out.push(...noteLines(answerNotes(entry, namedByRef)));
        break;
      }
      case "tool-result":
        // What the model read, without the markers that framed it as outside text for the model alone.
        out.push(`### ${entry.message.toolName} result${entry.message.isError ? " (error)" : ""}`, "", "```", cutAtWord(withoutUntrustedMarkers(entry.message.content), EXPORTED_RESULT_CHARS), "```", "");
        // The tool's own note repeats the result printed above; the others (a notice of the turn) are said.
        out.push(...noteLines(keptNotes(entry).filter((note) => note.kind !== "tool")));
        break;
      case "turn-failed": {
        const how = turn === undefined ? undefined : sentAgain.get(turn);
        const reason = how === undefined ? entry.error : `${withoutRetryPromise(entry.error)}${how === "again" ? SENT_AGAIN_BELOW : ""}`;
        out.push(`_No answer: ${reason}_`, "", ...noteLines(keptNotes(entry)));
        break;
      }
      case "compaction":
        out.push(`_Earlier turns summarised by ${entry.model} (${entry.tokensBefore} tokens before):_`, "", `> ${entry.summary.replace(/\n/g, "\n> ")}`, "");
        break;
      case "reset":
        out.push("---", `_New conversation · ${localTime(entry.at, "second")}_`, "");
        break;
      case "model-change":
        out.push(`_Model: ${entry.model ?? "back to the agent's"}_`, "");
        break;
      default:
        break;
    }
  }
  return `${out.join("\n")}\n`;
}

/**
 * How each user entry of the file is shown (MessageTries), and each try that was sent again: how — every
 * try shown in one place (a message and its resends in place) reads as its latest resend was shown, as
 * the web chat's notices of them do.
 */
function messageTries(entries: readonly SessionEntry[]): { showings: Map<string, Showing["kind"]>; sentAgain: Map<string, Showing["kind"]> } {
  const tries = new MessageTries();
  const showings = new Map<string, Showing["kind"]>();
  const sentAgain = new Map<string, Showing["kind"]>();
  /** By a message's first try: its tries shown in the place it is shown last. */
  const together = new Map<string, string[]>();
  for (const entry of entries) {
    const showing = tries.read(entry);
    if (entry.type !== "user" || showing === undefined) continue;
    showings.set(entry.id, showing.kind);
    if (showing.kind === "message") {
      together.set(entry.id, [entry.id]);
      continue;
    }
    const shownThere = together.get(showing.first) ?? [];
    for (const id of shownThere) sentAgain.set(id, showing.kind);
    together.set(showing.first, showing.kind === "in-place" ? [...shownThere, entry.id] : [entry.id]);
  }
  return { showings, sentAgain };
}

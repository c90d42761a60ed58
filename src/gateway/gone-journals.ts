import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { InboundImage } from "../agent/inbound-images.js";
import { QUOTED_SOURCE, UntrustedMarker } from "../agent/untrusted.js";
import type { SessionEntry } from "../sessions/entries.js";
import { newEntryId, type SessionStore } from "../sessions/session-store.js";
import { processAlive } from "../shared/process-alive.js";
import { cutTurnEnd, NOT_STARTED, type TurnProcess } from "./cut-turn.js";
import { readJournal, SYSTEM_JOURNAL_FS, type JournalFs } from "./journal-file.js";
import { checkedJournalLines, type JournalText } from "./journal-lines.js";

/** A message taken in and not yet in its session: it waits behind another turn, or for the session's lock. */
export interface InboxItem {
  id: string;
  session: string;
  text: string;
  channel: string;
  /** The agent that answers it ("main" when the message named none). */
  agent: string;
  /** ISO time it was taken in. */
  at: string;
  /** Forwarded or quoted text that came with it (a WhatsApp reply's), as sent: wrapped as untrusted when saved. */
  quoted?: string | undefined;
  /** The images its session keeps (keptMessage: one too large is a line of `text` instead), base64. */
  images?: readonly InboundImage[] | undefined;
}

/** A turn under way: its message is (being) saved in `session` as the user entry `entry`, by the process `by` (the gateway unless said). */
export interface TurnUnderWay {
  session: string;
  entry: string;
  by?: TurnProcess | undefined;
}

/** A line of a process's journal (`<state dir>/inbox/<pid>.jsonl`). */
export type JournalLine = { add: InboxItem } | { take: string } | { turn: TurnUnderWay & { id: string } };

/** What a journal of a process that is gone still holds for one id: a message not yet saved, a turn not ended, or both. */
export interface Unfinished {
  item: InboxItem | undefined;
  turn: TurnUnderWay | undefined;
}

/** A turn a gone process cut, closed: its message's words, and the `turn-failed` entry that says why it got no answer. */
export interface ClosedTurn {
  text: string;
  end: SessionEntry;
}

/** The session a piece of unfinished work is in. */
export function sessionOf(work: Unfinished): string | undefined {
  return work.turn?.session ?? work.item?.session;
}

/** What the journals of gone processes hold: their unfinished work by id, in order, with the journal each is in; their paths; and how many journals of running processes were left. */
export interface DeadJournals {
  work: [string, Unfinished & { path: string }][];
  paths: string[];
  left: number;
}

const TURN_PROCESSES: readonly string[] = ["gateway", "agent", "chat"] satisfies TurnProcess[];

/** The journals in `dir` of processes that are gone (any but `ownPid`'s own, and those set aside by a later process of a pid): their unfinished work; `left`: those of processes still running. */
/** What a reader kept of each journal it read, by path: read again only when its size or time changed (`deadJournals`' `read`). */
export type JournalsRead = Map<string, { size: number; mtimeMs: number; work: [string, Unfinished][] }>;

export async function deadJournals(where: { dir: string; ownPid: number; tell: (problem: string) => void; read?: JournalsRead | undefined; fs?: JournalFs | undefined }): Promise<DeadJournals> {
  const { dir, ownPid, tell, read: known } = where;
  const fs = where.fs ?? SYSTEM_JOURNAL_FS;
  const found: DeadJournals = { work: [], paths: [], left: 0 };
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return found;
  }
  for (const name of names) {
    // `<pid>.jsonl`, or `<pid>.left-<tag>.jsonl`: what an earlier process of that pid left, set aside by the later one (JournalWriter.prepare) — gone whoever runs under the pid now.
    const named = /^([1-9]\d*)(\.left-[0-9a-z]+)?\.jsonl$/.exec(name);
    const pid = Number(named?.[1]);
    const setAside = named?.[2] !== undefined;
    if (!named || !Number.isSafeInteger(pid) || (!setAside && pid === ownPid)) continue;
    if (!setAside && processAlive(pid)) {
      found.left++;
      continue;
    }
    const path = join(dir, name);
    const stat = await fs.lstat(path).catch(() => undefined);
    const kept = known?.get(path);
    let work = kept && stat?.isFile() && stat.size === kept.size && stat.mtimeMs === kept.mtimeMs ? kept.work : undefined;
    if (work === undefined) {
      // Only a regular file within the bound is read (never a FIFO, a link or a huge file); what is not read stays, said.
      const read = await readJournal(path, fs);
      if (!read.ok) {
        if (read.problem !== undefined) tell(read.problem);
        continue;
      }
      const skipped = (line: number, reason: string): void => tell(`skipped line ${line} of ${path} (${reason}): that piece of a stopped hearth's journal is dropped, the rest is recovered`);
      work = [...unfinishedWork({ text: read.text, writtenAt: read.writtenAt, skipped })];
      if (known && stat) known.set(path, { size: stat.size, mtimeMs: stat.mtimeMs, work });
    }
    for (const [id, piece] of work) found.work.push([id, { ...piece, path }]);
    found.paths.push(path);
  }
  // What is no longer there is forgotten.
  if (known) for (const path of known.keys()) if (!found.paths.includes(path)) known.delete(path);
  return found;
}

/** A journal line's images, where they are whole (a damaged list is left out: the message keeps its words, which say it had images only when one was too large). */
function journaledImages(value: unknown): { images?: InboundImage[] } {
  if (!Array.isArray(value)) return {};
  const images = value.filter((image): image is InboundImage => typeof image === "object" && image !== null && typeof (image as InboundImage).mediaType === "string" && typeof (image as InboundImage).data === "string");
  return images.length > 0 ? { images: images.map(({ mediaType, data }) => ({ mediaType, data })) } : {};
}

/**
 * Marks pieces of gone processes' journals done (`take` lines, as the process itself would have written
 * them): read again, the journal no longer holds them — a journal that names other sessions too, left in
 * place for their turns, is not done again at this session's next turn.
 */
export async function markDone(pieces: readonly [string, Unfinished & { path: string }][]): Promise<void> {
  const byPath = new Map<string, string[]>();
  for (const [id, { path }] of pieces) byPath.set(path, [...(byPath.get(path) ?? []), id]);
  for (const [path, ids] of byPath) await appendFile(path, ids.map((id) => `${JSON.stringify({ take: id })}\n`).join(""));
}

/** What a journal left unfinished, by id in the order it was said: the `add`s and `turn`s without their `take`; a line that fails its check is skipped (and said). */
function unfinishedWork(journal: JournalText): Map<string, Unfinished> {
  const work = new Map<string, Unfinished>();
  for (const line of checkedJournalLines(journal)) {
    const { add, turn } = line;
    if (add && typeof add.id === "string" && typeof add.session === "string" && typeof add.text === "string" && typeof add.at === "string") {
      const item: InboxItem = { id: add.id, session: add.session, text: add.text, channel: typeof add.channel === "string" ? add.channel : "unknown", agent: typeof add.agent === "string" ? add.agent : "main", at: add.at, ...(typeof add.quoted === "string" ? { quoted: add.quoted } : {}), ...journaledImages(add.images) };
      work.set(add.id, { item, turn: work.get(add.id)?.turn });
    } else if (turn && typeof turn.id === "string" && typeof turn.session === "string" && typeof turn.entry === "string") {
      const by = typeof turn.by === "string" && TURN_PROCESSES.includes(turn.by) ? (turn.by as TurnProcess) : undefined;
      work.set(turn.id, { item: work.get(turn.id)?.item, turn: { session: turn.session, entry: turn.entry, ...(by ? { by } : {}) } });
    } else if (typeof line.take === "string") work.delete(line.take);
  }
  return work;
}

/** The unfinished pieces of the journals, by the session each is in (a piece in none is dropped), each session's in the journals' order. */
export function bySession<T extends Unfinished>(work: readonly [string, T][]): Map<string, [string, T][]> {
  const sessions = new Map<string, [string, T][]>();
  for (const piece of work) {
    const session = sessionOf(piece[1]);
    if (session === undefined) continue;
    const pieces = sessions.get(session);
    if (pieces) pieces.push(piece);
    else sessions.set(session, [piece]);
  }
  return sessions;
}

/**
 * One unfinished piece of a gone process's journal, finished while the caller holds the session's lock: a
 * turn it cut is closed (cutTurnEnd, naming the process that was answering), a message its session does
 * not hold is saved unanswered. A message found in the session by its words (its turn began, the `turn`
 * line never written) has its turn closed the same way. `cut`: the cut turn's message, and the entry that closed it.
 */
export async function finishUnfinished(store: SessionStore, piece: { session: string; work: Unfinished }): Promise<{ saved: boolean; cut: ClosedTurn | undefined }> {
  const { session, work } = piece;
  const { entries } = await store.read(session);
  const item = work.item;
  const saved = work.turn ? entries.find((entry) => entry.type === "user" && entry.id === work.turn?.entry) : item && entries.find((entry) => entry.type === "user" && entry.text === item.text && entry.at >= item.at);
  if (saved) {
    const message = saved.type === "user" ? saved : undefined;
    const end = cutTurnEnd(entries, message?.id ?? "", { by: work.turn?.by });
    if (end) await store.append(session, [end]);
    return { saved: false, cut: end && message ? { text: message.text, end } : undefined };
  }
  if (!item) return { saved: false, cut: undefined };
  await store.append(session, unansweredEntries(item, { first: entries.length === 0, why: NOT_STARTED }));
  return { saved: true, cut: undefined };
}

/** Saves `item` to its session, marked unanswered with `why`; false when the session holds it already (saved since it was taken in). */
export async function saveUnanswered(store: SessionStore, item: InboxItem, why: string): Promise<boolean> {
  const lock = await store.lock(item.session);
  try {
    const { entries } = await store.read(item.session);
    if (entries.some((entry) => entry.type === "user" && entry.text === item.text && entry.at >= item.at)) return false;
    await store.append(item.session, unansweredEntries(item, { first: entries.length === 0, why }));
    return true;
  } finally {
    await lock.release();
  }
}

/** A message hearth took in and never began to answer (`why`), as its session keeps it: saved, and marked unanswered. */
function unansweredEntries(item: InboxItem, saving: { first: boolean; why: string }): SessionEntry[] {
  const { first } = saving;
  return [
    ...(first ? [{ type: "session" as const, version: 1 as const, at: item.at, agent: item.agent }] : []),
    {
      type: "user",
      id: newEntryId(),
      at: item.at,
      text: item.text,
      ...(item.quoted === undefined ? {} : { quoted: new UntrustedMarker().wrap(item.quoted, QUOTED_SOURCE) }),
      ...(item.images && item.images.length > 0 ? { images: item.images } : {}),
      ...(item.channel === "unknown" ? {} : { channel: item.channel }),
    },
    { type: "turn-failed", id: newEntryId(), at: new Date().toISOString(), error: saving.why, attempts: [], cause: "transient" },
  ];
}

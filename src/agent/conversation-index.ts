import type { ModelRef } from "../ai/model-spec.js";
import type { SessionEntry } from "../sessions/entries.js";
import { freshMarkSets, markSetsOver, TurnMarksFold, type MarkSet, type MarkSets } from "./turn-marks-fold.js";

/**
 * Where a session's current conversation stands, in positions of its entries: what `conversationView`
 * and `sessionSettings` need of the entries before what they send, found without going over them.
 */
export interface ConversationOutline {
  /** The first entry of the current conversation (after the last /new). */
  start: number;
  /** The session's `/model` choice and `/reasoning` setting: they outlast /new. */
  model: ModelRef | undefined;
  reasoning: boolean;
  /** The summary of the current conversation's last compaction. */
  summary: string | undefined;
  /** The first entry sent word for word: the furthest any compaction or trim of the current conversation keeps from (`start` when none). */
  firstKept: number;
  /** The current conversation's last compaction or trim (`start - 1` when none). */
  foldedAt: number;
}

/**
 * The outline of a session's entries, folded one entry at a time as they are appended (the file is
 * append-only): the work of an entry is done once, not again at every turn. `extend` folds what was
 * appended since; `outline` adds what follows the folded entries in the array it is asked of (a turn's
 * own entries, a fold not saved) without folding them in. Deterministic: the outline of the same
 * entries is the same however they were folded (a whole array at once, or its prefixes one by one).
 */
export class EntryIndex {
  /** How many entries are folded; `first` and `last` of them, as objects (an array of other objects is not theirs). */
  private count = 0;
  private first: SessionEntry | undefined;
  private last: SessionEntry | undefined;
  private readonly state: ConversationOutline = { start: 0, model: undefined, reasoning: false, summary: undefined, firstKept: 0, foldedAt: -1 };
  /** Each entry id of the current conversation → its first position. */
  private readonly firstById = new Map<string, number>();
  /** Kept ids of the current conversation's folds that no entry had yet: the first entry with one of them moves `firstKept` there. */
  private readonly unresolved = new Set<string>();
  /** The current conversation's turns marked (turnMarks) as far as folded, none of them under way; its last turn is open. */
  private marks: MarkSets = freshMarkSets();
  private marksFold = new TurnMarksFold(this.marks, undefined);
  /** Where the open turn's message is (-1: none). */
  private openAt = -1;

  /** How many entries are folded. */
  get size(): number {
    return this.count;
  }

  /**
   * Whether the folded entries are the first of `entries`: the same objects at both ends. A session's
   * entries are the store's objects from the one read of its file, shared by every array a read
   * returns; a file read afresh (another file, a file cut) gives new ones.
   */
  covers(entries: readonly SessionEntry[]): boolean {
    if (this.count === 0) return true;
    return entries.length >= this.count && entries[0] === this.first && entries[this.count - 1] === this.last;
  }

  /** The first position of an entry with this id in the folded entries' current conversation (after their last /new), if one has it. */
  firstAt(id: string): number | undefined {
    return this.firstById.get(id);
  }

  /** Folds the entries of `entries` after those folded (which it must cover). */
  extend(entries: readonly SessionEntry[]): void {
    if (!this.covers(entries)) throw new Error("EntryIndex.extend: the entries are not those folded (the session was read afresh): use a new index");
    for (let at = this.count; at < entries.length; at++) this.fold(entries[at] as SessionEntry, at);
    this.count = entries.length;
    this.first = entries[0];
    this.last = entries.at(-1);
  }

  /**
   * The outline of `entries` (covered by this index): the folded state, with the entries after the
   * folded ones taken into it (not kept: an array a turn adds to, or one with a fold not saved).
   */
  outline(entries: readonly SessionEntry[]): ConversationOutline {
    const outline = { ...this.state };
    const tail: { start: number; resolved: Set<string> } = { start: this.count, resolved: new Set() };
    for (let at = this.count; at < entries.length; at++) {
      const entry = entries[at] as SessionEntry;
      if (entry.type === "reset") {
        // The conversation starts afresh in the tail: nothing folded before is in it.
        Object.assign(outline, { start: at + 1, summary: undefined, firstKept: at + 1, foldedAt: at });
        tail.start = at + 1;
        continue;
      }
      const fromState = outline.start < this.count;
      // An id first met here moves `firstKept` to it when a fold folded before keeps from it.
      if ("id" in entry && fromState && this.unresolved.has(entry.id) && !tail.resolved.has(entry.id)) {
        tail.resolved.add(entry.id);
        if (!this.firstById.has(entry.id)) outline.firstKept = Math.max(outline.firstKept, at);
      }
      if (entry.type === "model-change") outline.model = entry.model ?? undefined;
      else if (entry.type === "settings") outline.reasoning = entry.reasoning;
      else if (entry.type === "compaction" || entry.type === "trim") {
        if (entry.type === "compaction") outline.summary = entry.summary;
        const kept = (fromState ? this.firstById.get(entry.firstKeptId) : undefined) ?? firstIn(entries, { id: entry.firstKeptId, from: tail.start });
        outline.firstKept = Math.max(outline.firstKept, kept ?? at + 1);
        outline.foldedAt = at;
      }
    }
    return outline;
  }

  /**
   * The marks of the current conversation's turns (turnMarks) of `entries` (covered by this index), with
   * the turn under way (`pending`); undefined when the folded marks do not hold for them — a /new after
   * the folded entries, or `pending` the id of a turn they closed (every turn was closed as not under way).
   */
  turnMarks(entries: readonly SessionEntry[], pending: string | undefined): { unanswered: MarkSet; cutOff: MarkSet; replaced: MarkSet } | undefined {
    for (let at = this.count; at < entries.length; at++) if (entries[at]?.type === "reset") return undefined;
    const first = pending === undefined ? undefined : this.firstById.get(pending);
    if (first !== undefined && first < this.openAt) return undefined;
    const sets = markSetsOver(this.marks);
    const fold = new TurnMarksFold(sets, pending, this.marksFold.open);
    for (let at = this.count; at < entries.length; at++) fold.add(entries[at] as SessionEntry);
    fold.close();
    return sets;
  }

  private fold(entry: SessionEntry, at: number): void {
    const state = this.state;
    if (entry.type === "reset") {
      Object.assign(state, { start: at + 1, summary: undefined, firstKept: at + 1, foldedAt: at });
      this.firstById.clear();
      this.unresolved.clear();
      this.marks = freshMarkSets();
      this.marksFold = new TurnMarksFold(this.marks, undefined);
      this.openAt = -1;
      return;
    }
    if (entry.type === "user") this.openAt = at;
    this.marksFold.add(entry);
    if ("id" in entry && !this.firstById.has(entry.id)) {
      this.firstById.set(entry.id, at);
      if (this.unresolved.delete(entry.id)) state.firstKept = Math.max(state.firstKept, at);
    }
    if (entry.type === "model-change") state.model = entry.model ?? undefined;
    else if (entry.type === "settings") state.reasoning = entry.reasoning;
    else if (entry.type === "compaction" || entry.type === "trim") {
      if (entry.type === "compaction") state.summary = entry.summary;
      const kept = this.firstById.get(entry.firstKeptId);
      if (kept === undefined) this.unresolved.add(entry.firstKeptId);
      state.firstKept = Math.max(state.firstKept, kept ?? at + 1);
      state.foldedAt = at;
    }
  }
}

/** The position of the first entry from `from` on with that id, if any. */
function firstIn(entries: readonly SessionEntry[], find: { id: string; from: number }): number | undefined {
  for (let at = find.from; at < entries.length; at++) {
    const entry = entries[at] as SessionEntry;
    if ("id" in entry && entry.id === find.id) return at;
  }
  return undefined;
}

/** The outline of `entries`, folded from scratch (no index kept). */
export function outlineOf(entries: readonly SessionEntry[]): ConversationOutline {
  const index = new EntryIndex();
  index.extend(entries);
  return index.outline(entries);
}

/**
 * The indexes of the sessions a process reads, each kept while its entries are (by their first entry
 * object: a session read afresh has new ones, and gets a new index). An index is extended only with
 * entries as the store returned them (`note`): an array a turn added its own entries to, or a fold it
 * has not saved, is read with it (`covering`), never folded into it.
 */
export class EntryIndexes {
  private readonly byFirst = new WeakMap<SessionEntry, EntryIndex>();

  /** Brings the index of these entries (just read from the store) up to them. */
  note(entries: readonly SessionEntry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    let index = this.byFirst.get(first);
    if (index === undefined || !index.covers(entries)) {
      index = new EntryIndex();
      this.byFirst.set(first, index);
    }
    index.extend(entries);
  }

  /** The index whose entries `entries` begins with, if there is one. */
  covering(entries: readonly SessionEntry[]): EntryIndex | undefined {
    const first = entries[0];
    const index = first === undefined ? undefined : this.byFirst.get(first);
    return index?.covers(entries) ? index : undefined;
  }
}

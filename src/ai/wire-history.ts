import type { Message } from "./types.js";
import { partJson, wirePart, type WirePart } from "./wire-parts.js";

/**
 * A run of messages is closed (its parts joined into one string) at this many messages or about
 * this much JSON text, whichever comes first: a string per message cost ~28 bytes beside its text
 * (its header, padding, a slot), and a cut re-serialises at most one run (a session of a few
 * turns closes runs too: the soak's 100 sessions are mostly short).
 */
const RUN_MESSAGES = 8;
const RUN_CHARS = 32 * 1024;

/**
 * What a kept message is checked against on the next request: a user message's text (the caller
 * makes a new object each turn around the same words), otherwise the message object itself.
 */
type Stamp = string | Message;

/** One conversation's serialised history in one variant of a protocol. */
interface Run {
  /** One per message of the run, in order. */
  stamps: Stamp[];
  /** Closed runs' JSON (comma-separated), oldest first, and how many messages each stands for. */
  closed: WirePart[];
  counts: number[];
  /** The parts of the messages after the closed runs, one per message. */
  open: WirePart[];
  openChars: number;
}

/**
 * Conversations' histories as JSON, serialised once: every turn of a session sends its whole
 * history again, and the history only grows at its end. Kept per conversation (a key object the
 * caller owns: a session's first entry, while the session is in memory) and variant, as one list
 * of what each message was (a pointer each) and its JSON joined in runs of 8 messages (or ~32 KiB)
 * — not a table entry and a string per message (a session of 1,000 turns keeps 2,000 messages).
 *
 * A request's messages are checked against the kept ones from the start (one comparison each;
 * a message that is not the same object is compared by value); from the first that differs
 * (a compaction, a turn left out after it failed) the kept JSON is cut back — to the start of the
 * run that holds it — and the rest serialised anew. The JSON is what serialising each message of
 * this request would give, byte for byte.
 */
export class WireHistory {
  private runs = new WeakMap<object, Map<string, Run>>();

  /**
   * `messages`' parts, each made by `build` (a message's items; it must depend only on the message
   * and `variant`): kept while `key` lives, made afresh for every request without one.
   */
  parts(key: object | undefined, variant: string, messages: readonly Message[], build: (message: Message) => readonly unknown[]): WirePart[] {
    if (key === undefined) return messages.map((message) => wirePart(build(message)));
    let byVariant = this.runs.get(key);
    if (!byVariant) this.runs.set(key, (byVariant = new Map()));
    let run = byVariant.get(variant);
    if (!run) byVariant.set(variant, (run = { stamps: [], closed: [], counts: [], open: [], openChars: 0 }));
    cutAt(run, keptPrefix(run, messages));
    for (let index = run.stamps.length; index < messages.length; index++) add(run, messages[index] as Message, build);
    return run.closed.concat(run.open);
  }

  /**
   * Lets go of every kept history (a process gone quiet gives the memory back): each conversation's
   * next request serialises its messages anew, from memory alone — the same bytes. The soak's 10,000
   * turns kept ~1.9 MB of JSON; serialising a history of 1,000 turns again costs a few milliseconds of
   * CPU, once.
   */
  forget(): void {
    this.runs = new WeakMap();
  }
}

/** How many of `messages`, from the first, the run holds as they are now. */
function keptPrefix(run: Run, messages: readonly Message[]): number {
  const length = Math.min(run.stamps.length, messages.length);
  for (let index = 0; index < length; index++) {
    const stamp = run.stamps[index] as Stamp;
    const message = messages[index] as Message;
    if (stamp === message) continue;
    if (typeof stamp === "string") {
      if (message.role !== "user" || message.content !== stamp) return index;
      // The same words, perhaps another string (the store's copy of the turn's message): the one the caller holds now is kept.
      run.stamps[index] = message.content;
      continue;
    }
    if (!sameJson(stamp, message)) return index;
    // The same message as another object (the store's copy of what the turn sent): compared by identity from now on.
    run.stamps[index] = message;
  }
  return length;
}

/** Keeps at most the first `count` messages of the run (fewer when a closed run holds the cut: from its start). */
function cutAt(run: Run, count: number): void {
  if (count >= run.stamps.length) return;
  let start = 0;
  for (let index = 0; index < run.counts.length; index++) {
    const closed = run.counts[index] as number;
    if (start + closed > count) {
      run.closed.length = index;
      run.counts.length = index;
      run.open = [];
      run.openChars = 0;
      run.stamps.length = start;
      return;
    }
    start += closed;
  }
  run.open.length = count - start;
  run.openChars = run.open.reduce((sum, part) => sum + partJson(part).length, 0);
  run.stamps.length = count;
}

function add(run: Run, message: Message, build: (message: Message) => readonly unknown[]): void {
  const part = wirePart(build(message));
  run.stamps.push(message.role === "user" && typeof message.content === "string" ? message.content : message);
  run.open.push(part);
  run.openChars += partJson(part).length;
  if (run.open.length < RUN_MESSAGES && run.openChars < RUN_CHARS) return;
  run.closed.push(joinParts(run.open));
  run.counts.push(run.open.length);
  run.open = [];
  run.openChars = 0;
}

/** Parts as one part: their JSON comma-separated (empty ones left out). */
function joinParts(parts: readonly WirePart[]): WirePart {
  const texts = parts.map(partJson).filter((json) => json.length > 0);
  const json = texts.join(",");
  const bytes = parts.reduce((sum, part) => sum + (typeof part === "string" ? part.length : part.bytes), Math.max(0, texts.length - 1));
  return bytes === json.length ? json : { json, bytes };
}

/** Whether `JSON.stringify` writes `a` and `b` the same (plain data: same keys in the same order, same values). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!plain(a) || !plain(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameJson(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const leftKeys = Object.keys(left).filter((key) => left[key] !== undefined);
  const rightKeys = Object.keys(right).filter((key) => right[key] !== undefined);
  return leftKeys.length === rightKeys.length && leftKeys.every((key, index) => key === rightKeys[index] && sameJson(left[key], right[key]));
}

/** An array or an object made by a literal or `JSON.parse` (no prototype of its own that could write it another way). */
function plain(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === Array.prototype || prototype === null;
}

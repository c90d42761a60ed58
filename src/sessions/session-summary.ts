import type { FileHandle } from "node:fs/promises";
import type { Usage } from "../ai/types.js";
import type { SessionEntry, SessionReset, SessionSummary } from "./entries.js";
import { spentCost, type SpentPrice } from "./spent-cost.js";
import { checkEntry } from "./entry-schema.js";

/**
 * A session's summary as its entries come, one at a time: nothing of them is kept but the sums (and
 * the ids of the messages said, to tell a resend). Turns and last message of the current conversation
 * (a reset starts them afresh, and is kept with the turns before it); tokens and cost of the whole
 * session: every answer's, and what calls that broke before an answer spent (their attempt records),
 * priced as any call of their model (spentCost; `price` prices a record from before the cost was kept,
 * where the caller has the config).
 */
export class SummaryFold {
  turns = 0;
  lastText = "";
  reset: SessionReset | undefined;
  cost = 0;
  /** The time of the last entry read (its own `at`): when the session was last used, whatever the file's mtime says (a copied state dir). */
  lastAt = "";
  readonly usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };
  private said = new Set<string>();

  constructor(private readonly price?: SpentPrice) {}

  add(entry: SessionEntry): void {
    this.lastAt = new Date(entry.at).toISOString();
    if ((entry.type === "compaction" || entry.type === "trim") && entry.calls) {
      // The calls that wrote (or failed to write) a summary: spent like any other.
      for (const call of entry.calls) {
        if (call.usage === undefined) continue;
        this.addUsage(call.usage);
        this.cost += spentCost({ ...call, usage: call.usage }, this.price);
      }
    }
    if (entry.type === "user") {
      // A resend is the message said before, again: one turn, as `sessions show` shows it once.
      if (!isResend(entry, this.said)) this.turns++;
      this.said.add(entry.id);
      this.lastText = entry.text;
    } else if (entry.type === "reset") {
      this.reset = { at: entry.at, earlierTurns: (this.reset?.earlierTurns ?? 0) + this.turns };
      this.turns = 0;
      this.lastText = "";
    } else if (entry.type === "assistant") {
      this.cost += entry.message.cost;
      this.addUsage(entry.message.usage);
    }
    if (entry.type !== "assistant" && entry.type !== "turn-failed") return;
    for (const attempt of entry.attempts) {
      if (attempt.outcome === "ok" || attempt.usage === undefined) continue;
      this.addUsage(attempt.usage);
      this.cost += spentCost({ ...attempt, usage: attempt.usage }, this.price);
    }
  }

  copy(): SummaryFold {
    const copy = new SummaryFold(this.price);
    copy.turns = this.turns;
    copy.lastText = this.lastText;
    copy.reset = this.reset;
    copy.cost = this.cost;
    copy.lastAt = this.lastAt;
    copy.said = new Set(this.said);
    Object.assign(copy.usage, this.usage);
    return copy;
  }

  /** `fileTime`: the file's mtime, said as the session's time only when no entry tells one. */
  summary(key: string, fileTime: string): SessionSummary {
    const lastText = this.lastText.length > 80 ? `${this.lastText.slice(0, 77)}...` : this.lastText;
    return { key, updated: this.lastAt || fileTime, turns: this.turns, lastText, ...(this.reset ? { reset: { ...this.reset } } : {}), usage: { ...this.usage }, cost: this.cost };
  }

  private addUsage(spent: Usage): void {
    this.usage.input += spent.input;
    this.usage.output += spent.output;
    this.usage.cacheRead += spent.cacheRead;
    this.usage.cacheWrite += spent.cacheWrite;
    this.usage.reasoning += spent.reasoning;
    this.usage.estimated ||= spent.estimated;
  }
}

/**
 * Whether a user entry is a resend of a message said before it (`/retry`, an API client's own resend
 * after its timeout: `retryOf` names an earlier try): the same message again, shown once where it was
 * first said (`sessions show`, the web chat) and counted once as a turn. `said` holds the ids of the
 * user entries before it; the caller adds each entry's id after asking.
 */
export function isResend(entry: Extract<SessionEntry, { type: "user" }>, said: ReadonlySet<string>): boolean {
  return entry.retryOf !== undefined && said.has(entry.retryOf);
}

/** How much of a file a listing reads at a time. */
const CHUNK_BYTES = 1024 * 1024;
/** A tool result changes no sum: its line is passed over unparsed (they are most of a busy session's bytes). */
const TOOL_RESULT_LINE = Buffer.from('{"type":"tool-result"');

/**
 * Folds the whole lines of `handle` from `from` up to `size` into `fold`, a chunk at a time (memory
 * stays one chunk and one line, however large the file). Lines that are not valid entries are
 * passed over, as reading does. Returns where the whole lines ended, and the summary with a last line
 * that has no newline yet (an entry when it is valid, as reading counts it; folded again once finished).
 */
export async function foldLines(handle: FileHandle, options: { from: number; size: number; fold: SummaryFold }): Promise<{ consumed: number; withTail: SummaryFold }> {
  const { fold, size } = options;
  let position = options.from;
  let carry = Buffer.alloc(0);
  while (position < size) {
    const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, size - position));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      carry = bytes;
      continue;
    }
    let start = 0;
    while (start <= lastNewline) {
      const end = bytes.indexOf(0x0a, start);
      foldLine(bytes.subarray(start, end), fold);
      start = end + 1;
    }
    carry = Buffer.from(bytes.subarray(lastNewline + 1));
  }
  const consumed = position - carry.length;
  const withTail = fold.copy();
  if (carry.length > 0) foldLine(carry, withTail);
  return { consumed, withTail };
}

function foldLine(line: Buffer, fold: SummaryFold): void {
  if (line.subarray(0, TOOL_RESULT_LINE.length).equals(TOOL_RESULT_LINE)) return;
  const text = line.toString("utf8");
  if (text.trim() === "") return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const checked = checkEntry(value);
  if (checked.ok) fold.add(checked.entry);
}

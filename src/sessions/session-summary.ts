import type { FileHandle } from "node:fs/promises";
import type { SessionEntry, SessionSummary } from "./entries.js";
import { checkEntry } from "./entry-schema.js";

/** A session's summary as its entries come, one at a time: nothing of them is kept but the sums. */
export class SummaryFold {
  turns = 0;
  lastText = "";
  cost = 0;
  readonly usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };

  add(entry: SessionEntry): void {
    if (entry.type === "user") {
      this.turns++;
      this.lastText = entry.text;
    } else if (entry.type === "assistant") {
      this.cost += entry.message.cost;
      this.usage.input += entry.message.usage.input;
      this.usage.output += entry.message.usage.output;
      this.usage.cacheRead += entry.message.usage.cacheRead;
      this.usage.cacheWrite += entry.message.usage.cacheWrite;
      this.usage.reasoning += entry.message.usage.reasoning;
      this.usage.estimated ||= entry.message.usage.estimated;
    }
  }

  copy(): SummaryFold {
    const copy = new SummaryFold();
    copy.turns = this.turns;
    copy.lastText = this.lastText;
    copy.cost = this.cost;
    Object.assign(copy.usage, this.usage);
    return copy;
  }

  summary(key: string, updated: string): SessionSummary {
    const lastText = this.lastText.length > 80 ? `${this.lastText.slice(0, 77)}...` : this.lastText;
    return { key, updated, turns: this.turns, lastText, usage: { ...this.usage }, cost: this.cost };
  }
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

import type { SessionEntry } from "./entries.js";
import { checkEntry } from "./entry-schema.js";
import type { SharedStrings } from "./shared-strings.js";

/** What a run of session-file bytes held, from a line start on. */
export interface ParsedLines {
  entries: SessionEntry[];
  damaged: { line: number; reason: string }[];
  /** Bytes that were whole lines (or a valid last line without its newline); what follows is a torn tail. */
  consumed: number;
  /** Lines consumed (for numbering the next run). */
  lines: number;
  /** A last line cut short by a crash mid-write (or still being written): not consumed. */
  tornTail: boolean;
  /** The consumed bytes end with a newline (an append must start a fresh line otherwise). */
  endsWithNewline: boolean;
}

/**
 * Parses session lines; `from.line` numbers the first one (1-based); `from.shared`, when given, makes
 * the repeated values of the entries one string each. Every line is checked against the
 * entry schema: one that is not a valid entry is reported, not returned. A last line without its
 * newline is an entry when it is valid JSON, else a torn tail left for a later read.
 */
export function parseSessionLines(bytes: Buffer, from: { line: number; shared?: SharedStrings | undefined }): ParsedLines {
  const firstLine = from.line;
  const entries: SessionEntry[] = [];
  const damaged: ParsedLines["damaged"] = [];
  let start = 0;
  let line = firstLine;
  let tornTail = false;
  let endsWithNewline = true;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const text = bytes.toString("utf8", start, end);
    if (text.trim() !== "") {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        if (newline === -1) {
          tornTail = true;
          break;
        }
        damaged.push({ line, reason: "not JSON" });
      }
      if (value !== undefined) {
        const checked = checkEntry(value);
        if (checked.ok) entries.push(from.shared ? from.shared.shareIn(checked.entry) : checked.entry);
        else damaged.push({ line, reason: checked.reason });
      }
    }
    line++;
    if (newline === -1) {
      endsWithNewline = false;
      start = bytes.length;
    } else {
      start = newline + 1;
    }
  }
  return { entries, damaged, consumed: start, lines: line - firstLine, tornTail, endsWithNewline };
}

/**
 * Where Markdown shows text as code within a line, as CommonMark does: inline code spans (a backtick
 * run opens one, the next run of exactly its length on the same line closes it; a run never matched is
 * literal), and what makes a line a fence's opening or closing line (backtick or tilde fences, any
 * indentation). Blocks — quotes, list items, fenced and indented code — are read in `markdown-blocks.ts`.
 */
export interface Fence {
  marker: "`" | "~";
  length: number;
}

/** The fence a complete line opens, if it is one: a backtick fence's info string has no backtick. */
export function fenceOpenedBy(line: string): Fence | undefined {
  const match = /^[ \t]*(`{3,}|~{3,})(.*)$/.exec(line);
  if (!match) return undefined;
  const run = match[1] as string;
  const marker = run[0] === "`" ? "`" : "~";
  if (marker === "`" && (match[2] as string).includes("`")) return undefined;
  return { marker, length: run.length };
}

/** Whether a complete line closes `fence`: the same marker, at least as long, nothing after it. */
export function closesFence(line: string, fence: Fence): boolean {
  const match = /^[ \t]*(`{3,}|~{3,})[ \t\r]*$/.exec(line);
  const run = match?.[1];
  return run !== undefined && run[0] === fence.marker && run.length >= fence.length;
}

/**
 * Whether `line[at]` lies inside an inline code span. "unknown" while the line is incomplete and a
 * run before `at` is not matched yet, or its match could still grow with the next characters.
 */
export function insideCodeSpan(line: string, at: number, complete: boolean): "inside" | "outside" | "unknown" {
  let index = line.indexOf("`");
  while (index >= 0 && index < at) {
    const length = runLength(line, index);
    const match = findRun(line, index + length, length, complete);
    if (match === "unknown") return "unknown";
    if (match < 0) {
      index = line.indexOf("`", index + length);
      continue;
    }
    if (match > at) return "inside";
    index = line.indexOf("`", match + length);
  }
  return "outside";
}

/** The inline code spans of one complete line. */
export function lineSpans(line: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let index = line.indexOf("`");
  while (index >= 0) {
    const length = runLength(line, index);
    const match = findRun(line, index + length, length, true);
    if (match === "unknown" || match < 0) {
      index = line.indexOf("`", index + length);
      continue;
    }
    spans.push({ start: index, end: match + length });
    index = line.indexOf("`", match + length);
  }
  return spans;
}

function runLength(line: string, start: number): number {
  let end = start;
  while (line[end] === "`") end++;
  return end - start;
}

/** The next run of exactly `length` backticks from `from`; -1 if none; "unknown" if one may still come. */
function findRun(line: string, from: number, length: number, complete: boolean): number | "unknown" {
  let index = line.indexOf("`", from);
  while (index >= 0) {
    const run = runLength(line, index);
    if (!complete && index + run === line.length) return "unknown"; // the run may grow with the next characters
    if (run === length) return index;
    index = line.indexOf("`", index + run);
  }
  return complete ? -1 : "unknown";
}

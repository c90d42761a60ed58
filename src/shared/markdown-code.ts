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

interface Run {
  at: number;
  length: number;
}

interface Span {
  /** Where its opening run starts. */
  start: number;
  /** Where its closing run starts. */
  end: number;
}

/**
 * The inline code spans of one line read as it streams: what `insideCodeSpan` answers of the line so
 * far, without reading the line again. Backtick runs are taken in as the text arrives; while the line
 * is incomplete they pair as they come (a run opens a span, the next complete run of its length closes
 * it: a run touching the end of the text so far may still grow); once it is complete a run never
 * matched is literal and the runs after it are paired again, as CommonMark reads a whole line.
 */
export class StreamedCodeSpans {
  private readonly runs: Run[] = [];
  /** A run touching the end of the text so far: the next characters may lengthen it. */
  private last: Run | undefined;
  private length = 0;
  /** The spans paired while the line streams, in order, and the run waiting for its match. */
  private readonly spans: Span[] = [];
  private opener: Run | undefined;
  /** The spans of the complete line, once asked. */
  private completeSpans: Span[] | undefined;

  append(text: string): void {
    if (text === "") return;
    this.completeSpans = undefined;
    let index = 0;
    while (index < text.length) {
      const tick = text.indexOf("`", index);
      if (tick !== index) this.endRun(); // a character other than a backtick ends the run before it
      if (tick < 0) break;
      let end = tick;
      while (text[end] === "`") end++;
      if (this.last) this.last.length += end - tick;
      else this.last = { at: this.length + tick, length: end - tick };
      index = end;
    }
    this.length += text.length;
  }

  /** Whether `at` (a character other than a backtick) lies inside a code span, as `insideCodeSpan` says of the line so far. */
  at(at: number, complete: boolean): "inside" | "outside" | "unknown" {
    if (complete) {
      this.completeSpans ??= pairRuns(this.last ? [...this.runs, this.last] : this.runs);
      return spanAround(this.completeSpans, at) ? "inside" : "outside";
    }
    if (spanAround(this.spans, at)) return "inside";
    return this.opener && this.opener.at < at ? "unknown" : "outside";
  }

  private endRun(): void {
    const run = this.last;
    if (!run) return;
    this.last = undefined;
    this.runs.push(run);
    if (!this.opener) this.opener = run;
    else if (run.length === this.opener.length) {
      this.spans.push({ start: this.opener.at, end: run.at });
      this.opener = undefined;
    }
  }
}

/** The spans of a complete line's runs: each run is closed by the next of its length; a run never matched is literal. */
function pairRuns(runs: readonly Run[]): Span[] {
  const next: number[] = new Array<number>(runs.length);
  const seen = new Map<number, number>();
  for (let index = runs.length - 1; index >= 0; index--) {
    const run = runs[index] as Run;
    next[index] = seen.get(run.length) ?? -1;
    seen.set(run.length, index);
  }
  const spans: Span[] = [];
  for (let index = 0; index < runs.length; ) {
    const match = next[index] as number;
    if (match < 0) {
      index++;
      continue;
    }
    spans.push({ start: (runs[index] as Run).at, end: (runs[match] as Run).at });
    index = match + 1;
  }
  return spans;
}

/** Whether one of `spans` (in order, apart) has `at` between its opening and closing runs. */
function spanAround(spans: readonly Span[], at: number): boolean {
  let low = 0;
  let high = spans.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((spans[middle] as Span).start < at) low = middle + 1;
    else high = middle;
  }
  const span = spans[low - 1];
  return span !== undefined && span.end > at;
}

import { MarkdownBlocks, type LineKind } from "../shared/markdown-blocks.js";
import type { Candidate, Held } from "./think-readings.js";

/**
 * The output held from a tag that may have been the real close (`think-close.ts`), as it grows: each
 * fenced candidate's answer read as Markdown on its own line by line, and where each candidate's fence
 * closes; `think-readings.ts` weighs the readings at the end.
 */

/** A tag found in the held text becomes a candidate: a fenced one's answer is read as it arrives, from `answerLine` (the rest of its line) on; a fallback's only when weighed. */
export function addCandidate(held: Held, candidate: Pick<Candidate, "at" | "length" | "fallback" | "defectsBefore" | "answerLine">): void {
  held.candidates.push({ ...candidate, answer: candidate.fallback ? undefined : new MarkdownBlocks() });
}

/** A piece of the current line arrived while the output is held. */
export function holdText(held: Held, text: string): void {
  held.text += text;
  for (const candidate of held.candidates) {
    if (!candidate.answer) continue;
    candidate.answerLine += text;
    if (text.endsWith("\n")) {
      // `answerLine` ends no line before this piece (heldLineEnded took it in): it does now exactly when the piece does.
      candidate.answer.endLine(candidate.answerLine);
      candidate.answerLine = "";
    }
  }
}

/**
 * The current line (its last `lineLength` characters of the held text) ended, and `blocks` (the whole
 * output's) took it in: `fenced`, whether it reads as a line of a fence's code (for candidates on it).
 */
export function heldLineEnded(held: Held, line: { lineLength: number; fenced: boolean; blocks: MarkdownBlocks }): void {
  const { blocks } = line;
  const lineStart = held.text.length - line.lineLength;
  for (const candidate of held.candidates) {
    if (candidate.inFence === undefined) candidate.inFence = line.fenced;
    else if (candidate.inFence && !candidate.closer && !blocks.fenceOpen) candidate.closer = { start: lineStart, end: held.text.length, defects: blocks.defects };
  }
  for (const candidate of held.candidates) {
    if (candidate.answer && candidate.answerLine !== "") {
      candidate.answer.endLine(candidate.answerLine);
      candidate.answerLine = "";
    }
  }
  if (!blocks.fenceOpen) held.fenceClosed = true;
}

/** Whether a line of that kind reads as a fence's line (its code, or its opening or closing run). */
export function isFenceLine(kind: LineKind): boolean {
  return kind === "fence" || kind === "quoted-fence" || kind === "opener";
}

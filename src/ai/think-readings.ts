import { MarkdownBlocks, readMarkdown } from "../shared/markdown-blocks.js";

/**
 * The readings of output held from a `</think>` that may have been the real one (`think-close.ts`
 * holds it), weighed at the end of the output by how well formed their Markdown is.
 */

/**
 * A tag that may have been the real one: "fenced", the first in a fence (weighed with the readings), or
 * "fallback", a tag written as words (code, escaped, behind `>` or a list marker, loose), taken only
 * when no other reading leaves an answer.
 */
export interface Candidate {
  /** Where the tag starts in `Held.text`. */
  at: number;
  length: number;
  fallback: boolean;
  /** The reading's defects (from the first candidate on) when the tag was seen. */
  defectsBefore: number;
  /** Whether the tag is inside a fence (its line read as code of one); undefined until its line ends. */
  inFence?: boolean;
  /**
   * The line that closes that fence, as the whole output reads (`start`, `end` in `Held.text`), and the
   * defects then: taking the tag for the close would make that line open a fence in the answer.
   */
  closer?: { start: number; end: number; defects: number };
  /**
   * The reading where a fenced tag was real: the text after it, as Markdown on its own, read as it
   * arrives (a fallback's is read only when it is weighed, at the end).
   */
  answer: MarkdownBlocks | undefined;
  answerLine: string;
}

/** Everything from the first candidate on, held until the output ends or a real tag settles it. */
export interface Held {
  /** Where it starts in the text streamed to the finder. */
  from: number;
  text: string;
  candidates: Candidate[];
  defectsAtStart: number;
  /** Whether the fence around the last fenced candidate has closed (true while there is none). */
  fenceClosed: boolean;
  /** A real tag after that fence closed, and its length. */
  closeAt?: number;
  closeLength?: number;
}

export interface Reading {
  /** Where the reasoning's closing tag is in `Held.text`; none: it never ends. */
  close?: number;
  length: number;
  defects: number;
  noAnswer: boolean;
}

/**
 * The best formed reading of held output: each fenced candidate taken for the real tag, then the real
 * tag after the last closed fence or none. Fewest defects wins; on a tie the later, unless it leaves no
 * answer. When the winner leaves no answer and a tag leaves one, the best formed such reading is taken
 * instead (a fallback candidate counts one defect against it; on a tie the earlier, which keeps more).
 */
export function bestReading(held: Held, context: { opened: boolean; blocks: MarkdownBlocks }): Reading {
  const answerAfter = (end: number): boolean => /\S/.test(held.text.slice(end));
  const tagReading = (candidate: Candidate): Reading => {
    const end = candidate.at + candidate.length;
    const penalty = candidate.fallback ? 1 : 0;
    const { closer } = candidate;
    if (closer && answerAfter(closer.end) && startsInRemainder(held.text.slice(end), closer.start - end)) {
      // The answer would start inside the fence's remainder: the fence stays whole, in the reasoning
      // (unless no answer would follow it: no answer word is lost to a fence).
      return { close: closer.end, length: 0, defects: closer.defects - held.defectsAtStart + penalty + answerDefects(held.text.slice(closer.end)), noAnswer: !answerAfter(closer.end) };
    }
    return {
      close: candidate.at,
      length: candidate.length,
      defects: candidate.defectsBefore - held.defectsAtStart + (candidate.fallback ? penalty + answerDefects(held.text.slice(end)) : blockDefects(candidate.answer)),
      noAnswer: !answerAfter(end),
    };
  };
  const readings = held.candidates.filter((candidate) => !candidate.fallback).map(tagReading);
  // The held tags were code: the text is read on as it was written, to the end.
  const defects = context.blocks.defects - held.defectsAtStart + (context.blocks.fenceOpen ? 1 : 0);
  if (held.closeAt !== undefined) readings.push({ close: held.closeAt, length: held.closeLength ?? 0, defects, noAnswer: !answerAfter(held.closeAt + (held.closeLength ?? 0)) });
  else if (held.fenceClosed) readings.push({ length: 0, defects: defects + (context.opened ? 1 : 0), noAnswer: context.opened }); // a fence never closed hides no tag
  let best: Reading | undefined;
  for (const reading of readings) {
    if (!best || reading.defects < best.defects || (reading.defects === best.defects && !reading.noAnswer)) best = reading;
  }
  if (best && !best.noAnswer) return best;
  // No word of the answer is lost to a guess: some tag was the real one (fallbacks are read only now).
  const tagged = [...held.candidates.filter((candidate) => candidate.fallback).map(tagReading), ...readings.filter((reading) => reading.close !== undefined)];
  let fallback: Reading | undefined;
  for (const reading of tagged.sort((a, b) => (a.close ?? 0) - (b.close ?? 0))) {
    if (!reading.noAnswer && (!fallback || reading.defects < fallback.defects)) fallback = reading;
  }
  return fallback ?? best ?? { length: 0, defects: 0, noAnswer: context.opened };
}

function blockDefects(blocks: MarkdownBlocks | undefined): number {
  return blocks ? blocks.defects + (blocks.fenceOpen ? 1 : 0) : 0;
}

/**
 * Whether `answer`, read as Markdown on its own, starts inside the remainder of a fence: the line at
 * `closerAt` closed the fence holding the tag before `answer` in the whole output, yet here a fence is
 * open after it (that line opened one, or a line of the remainder did) that is then left open, cut off
 * by its quote's end, or holds a line written to open one.
 */
function startsInRemainder(answer: string, closerAt: number): boolean {
  const blocks = new MarkdownBlocks();
  let open: number | undefined;
  for (let start = 0; start < answer.length; ) {
    const newline = answer.indexOf("\n", start);
    const end = newline < 0 ? answer.length : newline + 1;
    blocks.endLine(answer.slice(start, end));
    if (start === closerAt) {
      if (!blocks.fenceOpen) return false;
      open = blocks.defects;
    } else if (open !== undefined && !blocks.fenceOpen) return blocks.defects !== open;
    start = end;
  }
  return open !== undefined;
}


/** The defects of `text` read as Markdown on its own, a fence left open at its end among them. */
function answerDefects(text: string): number {
  return blockDefects(readMarkdown(text));
}

// Helpers for the think-tag split tests: run a splitter over pieces, and every way to stream a text.
import assert from "node:assert/strict";
import { ThinkTagSplitter, type Segment } from "../../src/ai/think-tags.js";

export function run(pieces: readonly string[], reasoner: boolean): Segment[] {
  return runWith(pieces, reasoner, { passThrough: true });
}

/** `run`, each piece pushed (`passThrough: false`) or passed through where the splitter takes it so, as the reply builder does. */
export function runWith(pieces: readonly string[], reasoner: boolean, how: { passThrough: boolean }): Segment[] {
  const splitter = new ThinkTagSplitter(reasoner);
  const out: Segment[] = [];
  const add = (segments: readonly Segment[]): void => {
    for (const segment of segments) {
      const last = out[out.length - 1];
      if (last && last.kind === segment.kind) last.text += segment.text;
      else out.push({ ...segment });
    }
  };
  // As the reply builder feeds it: a piece the splitter passes through as text skips push (its list of segments).
  for (const piece of pieces) {
    const through = how.passThrough ? splitter.passThrough(piece) : undefined;
    if (through === undefined) add(splitter.push(piece));
    else if (through !== "") add([{ kind: "text", text: through }]);
  }
  add(splitter.finish());
  return out;
}

/** Every way to cut `text` once, twice around its special characters, and into chunks of 1 to 8. */
export function splits(text: string): string[][] {
  const out: string[][] = [[text]];
  for (let cut = 1; cut < text.length; cut++) out.push([text.slice(0, cut), text.slice(cut)]);
  const special: number[] = [];
  for (let index = 0; index < text.length; index++) if ("<>`~\\\n[]|".includes(text[index] ?? "")) special.push(index, index + 1);
  for (const first of special) {
    for (let second = first + 1; second < text.length; second++) out.push([text.slice(0, first), text.slice(first, second), text.slice(second)]);
  }
  for (let size = 1; size <= 8; size++) {
    const pieces: string[] = [];
    for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
    out.push(pieces);
  }
  return out;
}

export function expectSplit(output: string, reasoner: boolean, expected: Segment[]): void {
  for (const pieces of splits(output)) assert.deepEqual(run(pieces, reasoner), expected, `reasoner: ${reasoner}, split as ${JSON.stringify(pieces)}`);
}

/**
 * Nothing is lost or moved: the segments, in order, are the output less some whole `<think>` and
 * `</think>` tags the split took out (whitespace aside, which a split may drop after a tag) — one pair
 * per block, and a block may follow a block before the answer (t22 #3). A tag is taken out only where
 * reasoning is, begins or ends (or before anything was given out): a tag the answer quotes is never lost.
 */
export function assertNothingLost(output: string, segments: readonly Segment[], where: string): void {
  const squeeze = (text: string): string => text.replace(/\s+/g, "");
  const joined = squeeze(segments.map((segment) => segment.text).join(""));
  // Where in `joined` a tag may have stood: its start, and within or at the ends of a reasoning segment (blocks side by side merge into one).
  const edges = new Set<number>([0]);
  let offset = 0;
  for (const segment of segments) {
    const length = squeeze(segment.text).length;
    if (segment.kind === "reasoning") for (let at = offset; at <= offset + length; at++) edges.add(at);
    offset += length;
  }
  const written = squeeze(output);
  // reachable[j]: the first j characters of `joined` are what is left of the output read so far.
  let reachable = new Set<number>([0]);
  const tagsAt = new Map<number, number[]>();
  // An empty block (`<think></think>`, whitespace aside) may go anywhere: it leaves no reasoning segment to stand beside.
  const EMPTY_BLOCK = "<think></think>";
  for (const tag of ["<think>", "</think>", EMPTY_BLOCK]) for (let index = written.indexOf(tag); index >= 0; index = written.indexOf(tag, index + 1)) tagsAt.set(index, [...(tagsAt.get(index) ?? []), tag.length]);
  // A walk over the output: each position either keeps its character (it must be the next of `joined`) or starts a tag taken out.
  const states = new Map<number, Set<number>>([[0, reachable]]);
  for (let index = 0; index <= written.length; index++) {
    reachable = states.get(index) ?? new Set();
    if (index === written.length) break;
    const keep = states.get(index + 1) ?? new Set<number>();
    for (const j of reachable) if (joined[j] === written[index]) keep.add(j + 1);
    states.set(index + 1, keep);
    for (const length of tagsAt.get(index) ?? []) {
      const skip = states.get(index + length) ?? new Set<number>();
      for (const j of reachable) if (edges.has(j) || length === EMPTY_BLOCK.length) skip.add(j);
      states.set(index + length, skip);
    }
  }
  assert.ok(reachable.has(joined.length), `the segments are the output less the tags taken out: ${where}`);
}

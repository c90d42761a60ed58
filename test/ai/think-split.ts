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
 * Nothing is lost or moved: the segments, in order, are the output less at most one `<think>` and one
 * `</think>` the split took out (whitespace aside, which a split may drop after a tag).
 */
export function assertNothingLost(output: string, segments: readonly Segment[], where: string): void {
  const squeeze = (text: string): string => text.replace(/\s+/g, "");
  const joined = squeeze(segments.map((segment) => segment.text).join(""));
  const written = squeeze(output);
  const at = (tag: string): number[] => {
    const found = [-1];
    for (let index = written.indexOf(tag); index >= 0; index = written.indexOf(tag, index + 1)) found.push(index);
    return found;
  };
  const without = (text: string, index: number, length: number): string => (index < 0 ? text : text.slice(0, index) + text.slice(index + length));
  const kept = at("<think>").some((open) => at("</think>").some((close) => {
    const first = Math.max(open, close);
    const firstLength = first === open ? "<think>".length : "</think>".length;
    const second = first === open ? close : open;
    const secondLength = second === open ? "<think>".length : "</think>".length;
    return without(without(written, first, firstLength), second, secondLength) === joined;
  }));
  assert.ok(kept, `the segments are the output less the tags taken out: ${where}`);
}

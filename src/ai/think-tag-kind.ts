import type { StreamedLine } from "./think-line.js";

/**
 * What a think tag (`<think>` or `</think>`) written on a line is, as Markdown shows it: "words" where
 * it is code or quoted (an inline code span, an indented code block or raw HTML block, escaped with a
 * backslash, behind a quote's `>`, right after a list item's marker, or loose: `</think >`), "fenced"
 * inside a fenced code block (or on a fence's opening line), "real" where a template's own tag stands,
 * "unknown" while the line is still arriving and what comes next decides.
 */
export type TagKind = "words" | "real" | "fenced" | "unknown";

/** The kind of the tag at `tag.at` in the current line (read in the context of the blocks before it). */
export function tagKindAt(line: StreamedLine, tag: { at: number; loose: boolean }, complete: boolean): TagKind {
  const { at } = tag;
  if (line.escapedAt(at)) return "words";
  const read = line.shape(complete);
  const kind = read.kind;
  if (kind === "indented" || kind === "html") return "words";
  // A real tag is never written behind a quote's `>`, nor right after a list item's marker (only whitespace between).
  if (read.quoted || (read.afterMarker >= 0 && read.contentAt >= at)) return "words";
  if (kind === "fence") return tag.loose ? "words" : "fenced";
  if (kind === "opener") return complete ? (tag.loose ? "words" : "fenced") : "unknown";
  const span = line.codeSpanAt(at, complete);
  if (span === "unknown") return "unknown";
  return span === "inside" || tag.loose ? "words" : "real"; // a loose tag is never a template's own
}

/** How many characters at the end of `text` could begin `tag`. */
export function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (tag.startsWith(text.slice(text.length - length))) return length;
  }
  return 0;
}

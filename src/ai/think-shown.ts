import { ClosingTagFinder } from "./think-close.js";
import { TAG_SPELLINGS } from "./think-spellings.js";

/** A reply's text, once whole, read as reasoning ended by an orphan `</think>`, then the answer. */
export interface ShownReasoning {
  reasoning: string;
  /** The closing tag as written. */
  tag: string;
  /** Everything after the tag (its leading whitespace included). */
  answer: string;
}

/**
 * The reasoning a reply's text turned out to begin with, read once the whole text is known: text that
 * streamed as it came (nothing suggested it was reasoning) and then showed a real orphan `</think>` — the
 * first one not written as Markdown code, escaped, quoted or loose (`think-close.ts`), with reasoning
 * before it — of any spelling (`</seed:think>`, `[/THINK]`, `</thinking>`: `think-spellings.ts`).
 * Undefined when the text holds none.
 *
 * `strict`, for a model not known or configured to reason: an answer that talks about the tags must keep
 * every word, so the tag must also stand where a template's own stands and nowhere a mention does —
 * found as the text came (not a reading weighed at the end), written exactly as its spelling's close, with
 * no tag of any spelling anywhere before it (an answer about the tags names them), right after the reasoning's
 * last character or at the start of its line (`…things</think>`, `\n</think>`: a mention in prose has a
 * space, an opening quote or a bracket before it), and not followed by a closing quote or bracket (a straight
 * quote or an emphasis mark counts as closing only while one is open on the tag's line: after a tag with
 * none open, it opens the answer — `…plan.</think>"Hi!"`).
 */
export function reasoningInShownText(text: string, strict: boolean): ShownReasoning | undefined {
  const finder = new ClosingTagFinder("none", TAG_SPELLINGS);
  const pushed = finder.push(text);
  const scan = pushed.after !== undefined ? pushed : strict ? undefined : finder.finish();
  if (scan?.after === undefined) return undefined;
  const tag = scan.tag ?? "";
  const at = text.length - scan.after.length - tag.length;
  const reasoning = text.slice(0, at);
  if (reasoning.trim() === "") return undefined;
  if (strict && !standsAsTemplateClose(text, at, tag)) return undefined;
  return { reasoning, tag, answer: scan.after };
}

/** Characters a tag mentioned in prose has right before it: a space, an opening quote or bracket. */
const MENTION_BEFORE = /[\s“‘«([{<]/;
/** … or right after it: a closing quote or bracket. */
const MENTION_AFTER = /[”’»)\]}>]/;
/**
 * Marks that open and close alike (straight quotes, backticks, emphasis): beside a tag they mark a mention
 * only when one of them is open there (`"</think>"`, `**</think>**`, `Don't write '</think>'`). With none
 * open, one right after the tag opens the answer (`…plan.</think>"Hi!" she said`, `</think>**Answer:**`), and
 * one right before it closes the reasoning's own (`…say "hi"</think>`).
 */
const PAIRED = /["'`*_]/;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

/**
 * Whether a run of `mark` is open at the end of `line` (the tag follows it), read as CommonMark reads
 * emphasis: a run opens where it can (after the line's start, a space or punctuation, before a non-space),
 * closes an open one where it can (after a non-space, before a space, punctuation or the tag), and a run
 * inside a word (`I'll`, `user_id`) or standing between spaces (a `* ` bullet) does neither.
 */
function openOnLine(line: string, mark: string): boolean {
  let open = false;
  for (const run of line.matchAll(new RegExp(`\\${mark}+`, "g"))) {
    const before = line[run.index - 1] ?? "";
    // The tag follows the line: a run at its end stands before "<".
    const after = line[run.index + run[0].length] ?? "<";
    if (WORD.test(before) && WORD.test(after)) continue;
    const opens = !SPACE.test(after) && (before === "" || !WORD.test(before));
    const closes = before !== "" && !SPACE.test(before) && !WORD.test(after);
    if (open && closes) open = false;
    else if (!open && opens) open = true;
  }
  return open;
}

function standsAsTemplateClose(text: string, at: number, tag: string): boolean {
  if (!TAG_SPELLINGS.some((spelling) => spelling.close === tag)) return false;
  const before = text.slice(0, at);
  if (TAG_SPELLINGS.some((spelling) => before.includes(spelling.open) || before.includes(spelling.close))) return false;
  const lineStart = before.lastIndexOf("\n") + 1;
  const onItsLine = before.slice(lineStart);
  const previous = before[before.length - 1] ?? "";
  const next = text[at + tag.length] ?? "";
  const mentionBefore = MENTION_BEFORE.test(previous) || (PAIRED.test(previous) && openOnLine(onItsLine, previous));
  const mentionAfter = MENTION_AFTER.test(next) || (PAIRED.test(next) && openOnLine(onItsLine, next));
  // At the start of its line (indentation allowed), or right after the reasoning's last word.
  const placed = onItsLine.trim() === "" || !mentionBefore;
  return placed && !mentionAfter;
}

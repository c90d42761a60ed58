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
 * Marks that open and close alike (straight quotes, backticks, emphasis). Beside a tag they mark a mention when
 * they wrap it (`"</think>"`, `'</think>'`, `**</think>**`), or when the one right before it opens — after the
 * line's start, a space or punctuation (`x="</think>`, `Don't write '</think> …`), not after a word, where it
 * closes the reasoning's own (`…say "hi"</think>`). One right after the tag, not wrapping it, opens the answer
 * (`…plan.</think>"Hi!" she said`, `</think>**Answer:**`): whatever came earlier on the line (an apostrophe
 * of `I'll` or `'em`, a `user_id`, a bullet) says nothing of it.
 */
const PAIRED = /["'`*_]/;
const WORD = /[\p{L}\p{N}]/u;

/** The run of `mark` that ends `line` (the tag follows it) opens: nothing, a space or punctuation before it. */
function opensBeforeTag(line: string, mark: string): boolean {
  let start = line.length;
  while (start > 0 && line[start - 1] === mark) start--;
  return !WORD.test(line[start - 1] ?? "");
}

function standsAsTemplateClose(text: string, at: number, tag: string): boolean {
  if (!TAG_SPELLINGS.some((spelling) => spelling.close === tag)) return false;
  const before = text.slice(0, at);
  if (TAG_SPELLINGS.some((spelling) => before.includes(spelling.open) || before.includes(spelling.close))) return false;
  const lineStart = before.lastIndexOf("\n") + 1;
  const onItsLine = before.slice(lineStart);
  const previous = before[before.length - 1] ?? "";
  const next = text[at + tag.length] ?? "";
  const wrapped = PAIRED.test(previous) && previous === next;
  const mentionBefore = MENTION_BEFORE.test(previous) || wrapped || (PAIRED.test(previous) && opensBeforeTag(onItsLine, previous));
  const mentionAfter = MENTION_AFTER.test(next) || wrapped;
  // At the start of its line (indentation allowed), or right after the reasoning's last word.
  const placed = onItsLine.trim() === "" || !mentionBefore;
  return placed && !mentionAfter;
}

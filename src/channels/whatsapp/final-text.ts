import { codeRanges } from "../../shared/markdown-blocks.js";

/**
 * The last guard before anything reaches WhatsApp: whatever a server did, no reasoning tag, final-answer
 * tag, untrusted-block marker or tool-call token is sent. Reasoning blocks that open the answer go with
 * their words, in any case or spacing (answerStart); anywhere else only the markers go, the words
 * between them stay (a reply that quotes "<think>" loses the tag, never the sentence around it). A reasoning or
 * answer tag the answer shows as Markdown code (an inline span, a fenced block that ends, also one in a
 * quote or a list item, an indented code block) is a word of the answer and stays: no server leaves
 * its markup as code.
 */

/**
 * Reasoning and answer wrappers: every spelling of `ai/think-spellings.ts` (<think>, <seed:think>,
 * <thinking>, [THINK]) and <reasoning>, <final>, <answer>, with attributes or spaces. The name is matched
 * whole: `<thinking-cap>`, `<think-tank>`, `<answer_key>` are words.
 */
const WRAPPERS: readonly RegExp[] = [/<\s*\/?\s*(?:seed:think|think|thinking|reasoning|final|answer)(?=[\s/>])[^<>]{0,80}>/gi, /\[\s*\/?\s*THINK\s*\]/g];

const MARKERS: readonly RegExp[] = [
  // hearth's untrusted-content markers (src/agent/untrusted.ts) and their neutralised form.
  /(?:<<<|‹‹‹)\s*(?:end-)?untrusted(?:-[0-9a-z]+)?[^>\n]{0,200}>>>/gi,
  // Tool-call formats of src/ai/text-tool-calls.ts: Hermes/Qwen, Qwen3-Coder, Mistral, Llama.
  /<\s*\/?\s*tool_call\s*>/gi,
  /<\s*\/?\s*(?:function|parameter)(?:=[^<>\n]{0,80})?\s*>/gi,
  /\[TOOL_CALLS\]/g,
  // Chat-template special tokens: <|python_tag|>, <|eot_id|>, <|im_end|>, <|tool_call_begin|>…
  /<\|[a-z_][a-z0-9_]{0,40}\|>/gi,
  // gpt-oss harmony headers as a whole (their role and channel names go with the tokens):
  // <|start|>assistant<|channel|>final<|message|>, <|channel|>commentary to=functions.x <|constrain|>json<|message|>.
  /(?:<\|start\|>[^<>\n]{0,80})?<\|channel\|>[^<>\n]{0,120}?(?:<\|constrain\|>[^<>\n]{0,40}?)?<\|message\|>/gi,
  /<\|start\|>\s*assistant\b/gi,
  // MiniMax's XML tool calls.
  /<\s*\/?\s*minimax:tool_call\s*>/gi,
  /<\s*\/?\s*invoke(?:\s+name="[^"]{0,80}")?\s*>/gi,
];

/**
 * A reasoning tag of any spelling the guard knows, in any case or spacing (`<THINK>`, `<think >`,
 * `</ Thinking>`, `[/think]`): its family and whether it closes. Answer wrappers (`<final>`, `<answer>`)
 * are not reasoning.
 */
const REASONING_TAG = /<\s*(\/?)\s*(seed:think|thinking|think|reasoning)(?=[\s/>])[^<>]{0,80}>|\[\s*(\/?)\s*THINK\s*\]/gi;

/**
 * Where the answer begins once the reasoning blocks that open it are taken out with their words: a
 * block at the very start (whitespace before it allowed), and each one right after it, in any case or
 * spacing of its tags — the splitter (`ai/think-tags.ts`) takes out the spellings servers write, and
 * this takes the rest (a model steered into `<THINK>…</THINK>`) the same way, where reasoning stands.
 * A block closes at the close that balances its tag (tags inside nest); one never closed, or one that
 * would leave no answer, stays (its tags go below, its words stay): no answer is ever swallowed whole.
 */
function answerStart(text: string, code: readonly { start: number; end: number }[]): number {
  const tags = outsideCode([...text.matchAll(REASONING_TAG)], code);
  let lastWord = text.length - 1; // "something after a block": a word at or before this
  while (lastWord >= 0 && /\s/.test(text[lastWord] ?? "")) lastWord -= 1;
  const space = /\s*/y;
  // One pass: tags are in text order, and each block's close is where the next is looked for.
  let next = 0;
  let start = 0;
  for (;;) {
    space.lastIndex = start;
    space.exec(text);
    const at = space.lastIndex;
    if (at > lastWord) return start;
    while (next < tags.length && (tags[next]?.index ?? 0) < at) next += 1;
    const opening = tags[next];
    if (!opening || opening.index !== at || closes(opening)) return start;
    const family = familyOf(opening);
    let depth = 0;
    let end: number | undefined;
    for (let index = next; index < tags.length; index++) {
      const tag = tags[index] as RegExpMatchArray & { index: number };
      if (familyOf(tag) !== family) continue; // another spelling's tag inside the block is a word of it
      depth += closes(tag) ? -1 : 1;
      if (depth === 0) {
        end = tag.index + tag[0].length;
        next = index + 1;
        break;
      }
    }
    if (end === undefined || end > lastWord) return start;
    start = end;
  }
}

type Tag = RegExpMatchArray & { index: number };

/** Whether a reasoning tag closes (`</think>`, `[/THINK]`). */
function closes(tag: Tag): boolean {
  return (tag[1] ?? tag[3]) === "/";
}

/** A reasoning tag's spelling, whatever its case: a block closes only with its own (`<think>` with `</think>`, `[THINK]` with `[/THINK]`). */
function familyOf(tag: Tag): string {
  return tag[2]?.toLowerCase() ?? "[think]";
}

/** The tags outside the code ranges, both in text order: one walk over each. */
function outsideCode(tags: readonly Tag[], code: readonly { start: number; end: number }[]): Tag[] {
  const ranges = [...code].sort((a, b) => a.start - b.start);
  const kept: Tag[] = [];
  let range = 0;
  for (const tag of tags) {
    while (range < ranges.length && (ranges[range]?.end ?? 0) <= tag.index) range += 1;
    const current = ranges[range];
    if (!current || tag.index < current.start) kept.push(tag);
  }
  return kept;
}

/**
 * The model's own text without the reasoning blocks that open it (answerStart). The channel applies it
 * to the model's text before it puts anything around it (the fallback notice, the "sent again" line,
 * notes): finalText on the composed message sees only the message's start, where that line stands.
 */
export function withoutLeadingReasoning(text: string): string {
  return text.slice(answerStart(text, codeRanges(text)));
}

/** A letter, digit or mark: words that touch where a marker was taken out would run together. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * The text with every marker removed, runs of blank lines left by them closed, and the ends trimmed.
 * Where a removed marker stood between two words (`RSN</think>ANS`), a space keeps them apart.
 */
export function finalText(whole: string): string {
  const wholeCode = codeRanges(whole);
  const text = whole.slice(answerStart(whole, wholeCode));
  const code = codeRanges(text);
  const removed: { start: number; end: number }[] = [];
  for (const wrapper of WRAPPERS) {
    for (const match of outsideCode([...text.matchAll(wrapper)], code)) removed.push({ start: match.index, end: match.index + match[0].length });
  }
  for (const marker of MARKERS) for (const match of text.matchAll(marker)) removed.push({ start: match.index, end: match.index + match[0].length });
  removed.sort((a, b) => a.start - b.start);
  const gaps: { start: number; end: number }[] = []; // markers side by side or overlapping leave one gap
  for (const range of removed) {
    const last = gaps[gaps.length - 1];
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else gaps.push({ ...range });
  }
  let out = "";
  let kept = 0;
  for (const gap of gaps) {
    out += text.slice(kept, gap.start);
    kept = gap.end;
    if (WORD_CHAR.test(out[out.length - 1] ?? "") && WORD_CHAR.test(text[kept] ?? "")) out += " ";
  }
  out += text.slice(kept);
  return out
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

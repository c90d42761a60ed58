import { codeRanges } from "../../shared/markdown-blocks.js";

/**
 * The last guard before anything reaches WhatsApp: whatever a server did, no reasoning tag, final-answer
 * tag, untrusted-block marker or tool-call token is sent. Only the markers go; the words between them
 * stay (a reply that quotes "<think>" loses the tag, never the sentence around it). A reasoning or
 * answer tag the answer shows as Markdown code (an inline span, a fenced block that ends, also one in a
 * quote or a list item, an indented code block) is a word of the answer and stays: no server leaves
 * its markup as code.
 */

/**
 * Reasoning and answer wrappers: every spelling of `ai/think-spellings.ts` (<think>, <seed:think>,
 * <thinking>, [THINK]) and <reasoning>, <final>, <answer>, with attributes or spaces.
 */
const WRAPPERS: readonly RegExp[] = [/<\s*\/?\s*(?:seed:think|think|thinking|reasoning|final|answer)\b[^<>]{0,80}>/gi, /\[\s*\/?\s*THINK\s*\]/g];

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

/** A letter, digit or mark: words that touch where a marker was taken out would run together. */
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/**
 * The text with every marker removed, runs of blank lines left by them closed, and the ends trimmed.
 * Where a removed marker stood between two words (`RSN</think>ANS`), a space keeps them apart.
 */
export function finalText(text: string): string {
  const code = codeRanges(text);
  const removed: { start: number; end: number }[] = [];
  for (const wrapper of WRAPPERS) {
    for (const match of text.matchAll(wrapper)) {
      const at = match.index;
      if (!code.some((range) => at >= range.start && at < range.end)) removed.push({ start: at, end: at + match[0].length });
    }
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

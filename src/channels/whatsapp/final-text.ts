import { codeRanges } from "../../shared/markdown-blocks.js";

/**
 * The last guard before anything reaches WhatsApp: whatever a server did, no reasoning tag, final-answer
 * tag, untrusted-block marker or tool-call token is sent. Only the markers go; the words between them
 * stay (a reply that quotes "<think>" loses the tag, never the sentence around it). A reasoning or
 * answer tag the answer shows as Markdown code (an inline span, a fenced block that ends, also one in a
 * quote or a list item, an indented code block) is a word of the answer and stays: no server leaves
 * its markup as code.
 */

/** Reasoning and answer wrappers: <think>, </think>, <thinking>, <final>, <answer>, with attributes or spaces. */
const WRAPPER = /<\s*\/?\s*(?:think|thinking|reasoning|final|answer)\b[^<>]{0,80}>/gi;

const MARKERS: readonly RegExp[] = [
  // hearth's untrusted-content markers (src/agent/untrusted.ts) and their neutralised form.
  /(?:<<<|‹‹‹)\s*(?:end-)?untrusted(?:-[0-9a-z]+)?[^>\n]{0,200}>>>/gi,
  // Tool-call formats of src/ai/text-tool-calls.ts: Hermes/Qwen, Qwen3-Coder, Mistral, Llama.
  /<\s*\/?\s*tool_call\s*>/gi,
  /<\s*\/?\s*(?:function|parameter)(?:=[^<>\n]{0,80})?\s*>/gi,
  /\[TOOL_CALLS\]/g,
  // Chat-template special tokens: <|python_tag|>, <|eot_id|>, <|im_end|>, <|tool_call_begin|>…
  /<\|[a-z_][a-z0-9_]{0,40}\|>/gi,
  // MiniMax's XML tool calls.
  /<\s*\/?\s*minimax:tool_call\s*>/gi,
  /<\s*\/?\s*invoke(?:\s+name="[^"]{0,80}")?\s*>/gi,
];

/** The text with every marker removed, runs of blank lines left by them closed, and the ends trimmed. */
export function finalText(text: string): string {
  const code = codeRanges(text);
  let out = text.replace(WRAPPER, (tag: string, at: number) => (code.some((range) => at >= range.start && at < range.end) ? tag : ""));
  for (const marker of MARKERS) out = out.replace(marker, "");
  return out
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

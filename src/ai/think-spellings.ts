/**
 * The spellings in which models write reasoning into their text, where a server leaves it there
 * (llama.cpp run with `--reasoning-format none`, servers with no reasoning parser for the model):
 * - `<think>…</think>`: Qwen3, QwQ, DeepSeek-R1 and V3.1+, GLM 4.5+, MiniMax M2, Kimi K2 Thinking,
 *   Phi-4-reasoning and most fine-tunes (llama.cpp's `deepseek` reasoning format);
 * - `<seed:think>…</seed:think>`: ByteDance Seed-OSS (its template opens `<seed:think>` in the
 *   prompt when thinking is on, so its output may end the block with an orphan `</seed:think>`);
 * - `[THINK]…[/THINK]`: Mistral's Magistral (control tokens of its tokenizer, vLLM's `mistral` parser);
 * - `<thinking>…</thinking>`: some fine-tunes and Claude-style prompts;
 * - gpt-oss "harmony" channels (`think-harmony.ts` reads their structure): reasoning in the `analysis`
 *   channel, `<|channel|>analysis<|message|>…<|end|>`, then `<|start|>assistant<|channel|>final<|message|>`
 *   and the answer.
 * Every place that knows a reasoning tag reads it from here.
 */
/** A piece of a reply's text once split: the answer's text, or reasoning. */
export interface Segment {
  kind: "text" | "reasoning";
  text: string;
}

export interface TagSpelling {
  /** The tag that opens a reasoning block. */
  open: string;
  /** The tag that ends it. */
  close: string;
}

export const TAG_SPELLINGS: readonly TagSpelling[] = [
  { open: "<think>", close: "</think>" },
  { open: "<seed:think>", close: "</seed:think>" },
  { open: "<thinking>", close: "</thinking>" },
  { open: "[THINK]", close: "[/THINK]" },
];

/** The spelling `<think>`: where no other is known. */
export const THINK_TAGS = TAG_SPELLINGS[0] as TagSpelling;

/** How a harmony output (gpt-oss) begins: a channel header, maybe after the message's start. */
export const HARMONY_STARTS: readonly string[] = ["<|channel|>", "<|start|>"];

/** The spelling whose opening tag `text` starts with. */
export function openingSpelling(text: string): TagSpelling | undefined {
  return TAG_SPELLINGS.find((spelling) => text.startsWith(spelling.open));
}

/** The spelling whose closing tag `text` starts with. */
export function closingSpelling(text: string): TagSpelling | undefined {
  return TAG_SPELLINGS.find((spelling) => text.startsWith(spelling.close));
}

/** Whether `text` starts as harmony output does (a channel header). */
export function startsHarmony(text: string): boolean {
  return HARMONY_STARTS.some((start) => text.startsWith(start));
}

/** Every tag, opening and closing, and every harmony start: what mayStartMarkup reads a text's beginning against. */
const MARKUP_STARTS: readonly string[] = [...TAG_SPELLINGS.flatMap((spelling) => [spelling.open, spelling.close]), ...HARMONY_STARTS];

/**
 * Whether `text` may still become the start of a tag or of harmony output (it is a prefix of one).
 * Asked of every streamed delta of a reasoning model: the list is made once, not per delta.
 */
export function mayStartMarkup(text: string): boolean {
  for (const start of MARKUP_STARTS) if (start.startsWith(text)) return true;
  return false;
}

/** Whether a text holds a closing tag of any spelling (a loose one too: `</think >`). */
export function holdsClosingTag(text: string): boolean {
  return TAG_SPELLINGS.some((spelling) => text.includes(closeStart(spelling)));
}

/** A closing tag less its last character: a loose tag has spaces or tabs before that (`</think >`, `[/THINK ]`). */
export function closeStart(spelling: TagSpelling): string {
  return spelling.close.slice(0, -1);
}

/** The longest tag or harmony start: how much of an output's beginning tells whether it opens with one. */
export const LONGEST_START = Math.max(...TAG_SPELLINGS.flatMap((spelling) => [spelling.open.length, spelling.close.length]), ...HARMONY_STARTS.map((start) => start.length));

/**
 * Whether a chat template handles reasoning written in the text: it names a reasoning tag of some
 * spelling, or harmony's analysis channel.
 */
export function templateWritesReasoning(template: string): boolean {
  return TAG_SPELLINGS.some((spelling) => template.includes(spelling.open) || template.includes(spelling.close)) || /<\|channel\|>/.test(template);
}

// Random replies for the property test of the reasoning split (think-fuzz.test.ts): answers and reasoning
// of words, unicode, Markdown, stray `<`, `[`, `|`, partial tags, and tags mentioned as code, put together
// in every spelling a model writes reasoning in (or none), with what the split must give back.
import { TAG_SPELLINGS } from "../../src/ai/think-spellings.js";

/** A seeded PRNG (mulberry32): the same seed gives the same cases, so a failure reproduces. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

export const SHAPES = ["tagged", "harmony", "plain", "orphan", "middle", "token-first"] as const;
/**
 * - "tagged": a block of one spelling opens the output, then the answer (any model);
 * - "harmony": gpt-oss analysis then final channel;
 * - "plain": no reasoning at all;
 * - "orphan": a reasoning model's reasoning ended by a close of some spelling, its opening tag in the prompt;
 * - "middle": a reasoning model's answer text, then a block, then more answer;
 * - "token-first": an answer of a model not known to reason that opens by naming a harmony token.
 */
export type Shape = (typeof SHAPES)[number];

export interface Reply {
  shape: Shape;
  reasoner: boolean;
  /** The output as the server streams it. */
  output: string;
  /** What the split must give as the answer's text, and as reasoning. */
  answer: string;
  reasoning: string;
}

const HARMONY_TOKENS = ["<|channel|>", "<|message|>", "<|end|>", "<|start|>", "<|return|>", "<|call|>"];
const TAGS = TAG_SPELLINGS.flatMap((spelling) => [spelling.open, spelling.close]);
const ALL_TAGS = [...TAGS, ...HARMONY_TOKENS];
const WORDS = ["the", "answer", "is", "42", "naïve", "日本語", "🎉", "café", "x", "a<b", "x[0]", "|col|", "<", "[", "|", "<3", "[link](u)", "*em*", "**bold**", "e=mc²", "<thi", "</thin", "[THI", "<|", "|>", "ок", "—", "\\", "&lt;", "e\u0301"];

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const count = (random: Random, most: number): number => 1 + Math.floor(random() * most);

function words(random: Random, many: number): string {
  return Array.from({ length: many }, () => pick(random, WORDS)).join(" ");
}

/** Words that neither start a block (quote, list, heading) nor escape what follows them. */
function plainWords(random: Random, many: number): string {
  return `w ${words(random, many)} end`;
}

/** A tag or token as Markdown code or escaped: words wherever it stands. */
function codeMention(random: Random): string {
  const tag = pick(random, ALL_TAGS);
  const kind = Math.floor(random() * 3);
  if (kind === 0) return `\`${tag}\``;
  if (kind === 1) return `\`\`${tag} and ${pick(random, ALL_TAGS)}\`\``;
  return `\\${tag}`;
}

/** A fenced block that closes, holding tags and tokens. */
function fence(random: Random): string {
  const marker = pick(random, ["```", "~~~", "````"]);
  const lines = [pick(random, ALL_TAGS), words(random, 3), `${words(random, 1)} ${pick(random, ALL_TAGS)} ${words(random, 1)}`].slice(0, count(random, 3));
  return `${marker}${pick(random, ["", "js", "xml"])}\n${lines.join("\n")}\n${marker}`;
}

/**
 * Lines of Markdown (headings, list items, quotes, fences) whose tags are code, and `bare` tags
 * written as prose, never first on their line.
 */
function markdown(random: Random, bare: readonly string[]): string {
  const lines: string[] = [];
  for (let index = count(random, 4); index > 0; index--) {
    const parts = [words(random, count(random, 3))];
    for (let part = count(random, 4); part > 0; part--) {
      const roll = random();
      if (roll < 0.45) parts.push(words(random, count(random, 4)));
      else if (roll < 0.7) parts.push(codeMention(random));
      else if (roll < 0.82 && bare.length > 0) parts.push(pick(random, bare));
      else parts.push(`\`${words(random, 2)}\``);
    }
    const block = random();
    const prefix = block < 0.1 ? "# " : block < 0.2 ? "- " : block < 0.25 ? "> " : block < 0.3 ? "1. " : "";
    lines.push(prefix + parts.join(" "));
    if (random() < 0.2) lines.push(fence(random));
    if (random() < 0.3) lines.push("");
  }
  return lines.join("\n");
}

/** Reasoning as a template closes it: its last line plain words or a whole fence, the tag right after it or on its own line. */
function reasoningText(random: Random, bare: readonly string[]): string {
  const roll = random();
  if (roll < 0.4) return `${markdown(random, bare)}\n${plainWords(random, count(random, 3))}${pick(random, ["", "\n"])}`;
  if (roll < 0.6) return `${markdown(random, bare)}\n${fence(random)}\n`;
  return `${plainWords(random, 2)}${pick(random, ["", "\n"])}`;
}

/** A random reply of a random shape; the shape decides what the split must give back. */
export function randomReply(random: Random): Reply {
  const shape = pick(random, SHAPES);
  const reasoner = shape === "orphan" || shape === "middle" ? true : shape === "token-first" ? false : random() < 0.5;
  const lead = pick(random, ["", "", "\n", "  ", "\n\n"]);
  const spelling = pick(random, TAG_SPELLINGS);
  const gap = pick(random, ["", "\n", "\n\n"]);
  switch (shape) {
    case "tagged": {
      // Inside a block only its own spelling's tags count: the others are words even bare.
      const others = TAG_SPELLINGS.filter((other) => other !== spelling).flatMap((other) => [other.open, other.close]);
      const reasoning = reasoningText(random, others);
      const answer = `${plainWords(random, 1)} ${markdown(random, ALL_TAGS)}`;
      return { shape, reasoner, output: `${lead}${spelling.open}${reasoning}${spelling.close}${gap}${answer}`, answer, reasoning };
    }
    case "harmony": {
      const reasoning = markdown(random, TAGS);
      const answer = `${plainWords(random, 1)} ${markdown(random, TAGS)} end`;
      const end = pick(random, ["", "<|return|>"]);
      return { shape, reasoner, output: `${lead}<|channel|>analysis<|message|>${reasoning}<|end|><|start|>assistant<|channel|>final<|message|>${answer}${end}`, answer, reasoning };
    }
    case "plain": {
      // A reasoning model's text is held: a bare tag in it could be the real one, so its tags are code.
      const answer = `${lead}${plainWords(random, 1)} ${markdown(random, reasoner ? [] : ALL_TAGS)}`;
      return { shape, reasoner, output: answer, answer, reasoning: "" };
    }
    case "orphan": {
      const reasoning = `${lead}${plainWords(random, 1)} ${reasoningText(random, [])}`;
      const answer = `${plainWords(random, 1)} ${markdown(random, ALL_TAGS)}`;
      return { shape, reasoner, output: `${reasoning}${spelling.close}${gap}${answer}`, answer, reasoning };
    }
    case "middle": {
      const before = `${lead}${plainWords(random, 1)} ${markdown(random, [])}\n${plainWords(random, 2)}${pick(random, [" ", "\n"])}`;
      const reasoning = reasoningText(random, []);
      const after = `${gap}${plainWords(random, 1)} ${markdown(random, ALL_TAGS)}`;
      return { shape, reasoner, output: `${before}${spelling.open}${reasoning}${spelling.close}${after}`, answer: before + after.trimStart(), reasoning };
    }
    case "token-first": {
      const answer = `${pick(random, ["<|channel|>", "<|start|>"])} ${words(random, count(random, 6)).replace(/[<|\\\n]/g, "w")}.`;
      return { shape, reasoner, output: `${lead}${answer}`, answer, reasoning: "" };
    }
  }
}

/** `text` cut into random deltas: often 1 to 4 characters (tags split anywhere), sometimes up to 30. */
export function randomDeltas(random: Random, text: string): string[] {
  const deltas: string[] = [];
  for (let at = 0; at < text.length; ) {
    const size = count(random, random() < 0.5 ? 4 : 30);
    deltas.push(text.slice(at, at + size));
    at += size;
  }
  return deltas;
}

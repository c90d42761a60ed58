import type { ModelSpec } from "./model-spec.js";
import { reasoningInShownText, type ShownReasoning } from "./think-shown.js";
import { closingSpelling, holdsClosingTag, LONGEST_START, openingSpelling, startsHarmony } from "./think-spellings.js";
import { ThinkTagSplitter, type Segment } from "./think-tags.js";

/** What the builder asks of whatever splits inline reasoning out of a reply's text. */
export interface ReasoningSplitter {
  push(delta: string): Segment[];
  /**
   * The delta as text, when the splitter passes text through as it comes at this point of the reply (no
   * tag can open or close in it): what `push` would give as its one text segment, without the list; ""
   * for nothing. undefined: `push` it. Optional: a splitter without it is always pushed.
   */
  passThrough?(delta: string): string | undefined;
  /** The end of the reply (or of its text, before a tool call): whatever is held goes. */
  finish(): Segment[];
  /** Reasoning arrived on a separate channel (reasoning_content, Ollama's `thinking`, reasoning items). */
  structuredReasoningSeen(): void;
  /** The reply is over: "complete" when the server ended it itself, "cut" at its token limit, "other" (failed, calling a tool). */
  ended?(outcome: ReplyOutcome): void;
  /**
   * After `ended`: the reasoning the text given out turned out to begin with (an orphan `</think>` in text
   * that streamed as it came, no reasoning seen before it): the reply's message holds it apart (see
   * `think-shown.ts`); the deltas already went out as text.
   */
  shownReasoning?(): ShownReasoning | undefined;
}

export type ReplyOutcome = "complete" | "cut" | "other";

/** What a server says of its template, asked when an answer left it open (see `template-reasoning.ts`). */
export type AskServer = (model: ModelSpec) => Promise<"separates" | "plain" | undefined>;

/**
 * What this model on this server showed of where it puts reasoning:
 * - "separates": the server sent reasoning on its own channel (llama.cpp's `reasoning_content`, Ollama's
 *   `thinking`, Responses reasoning items): its text is the answer;
 * - "plain": an answer ended complete with no reasoning at all, inline or separate (Qwen3 with `/no_think`
 *   or `enable_thinking: false`, llama.cpp's `--reasoning-budget 0`, a model that does not reason);
 * - "orphans": the output held an orphan `</think>` (reasoning as plain text, its opening tag in the
 *   prompt: MiniMax M2.1 in LM Studio, DeepSeek-R1 and Qwen3 Thinking templates under
 *   `--reasoning-format none`).
 */
type Habit = "separates" | "plain" | "orphans";

/**
 * Models known or configured to reason (`reasoning: true`, or a family that does) may send their
 * reasoning inline with its opening tag in the prompt, ended by an orphan `</think>`: their leading
 * text is then held until that tag or the end. Any other model's text streams at once, and is held
 * only once its server sent such a tag for it (see ThinkHabits).
 */
export function knownToReason(model: ModelSpec): boolean {
  return model.reasoning || reasonsByName(model.id);
}

/**
 * A model id of a family whose chat templates open `<think>` in the prompt or whose models write it
 * (the reasoning ends with `</think>`): MiniMax M2, DeepSeek-R1 and V3.1/V3.2, QwQ, Qwen3, GLM 4.5+ and
 * GLM-Z1, Kimi K2 Thinking, Magistral (`[THINK]`), Seed-OSS (`<seed:think>`), Phi-4-reasoning (and -mini-), OpenThinker, OLMo 3 Think — not
 * the instruct-only builds of such a family (Qwen3's Instruct-2507, Qwen3-Coder).
 */
export function reasonsByName(id: string): boolean {
  if (/instruct-2507|coder/i.test(id)) return false;
  return /minimax|deepseek-r1|deepseek-v3\.[1-9]|qwq|qwen3|glm-4\.[5-9]|glm-z1|kimi-k2-thinking|magistral|seed-oss|phi-4(?:-mini)?-(?:flash-)?reasoning|openthinker|olmo-3[\w.-]*think/i.test(id);
}

/**
 * Whether an orphan `</think>` is still plausible for a model on its server, learned from its answers
 * for the life of the process (one per adapter instance, like the request-shape habits), so that
 * holding text costs streaming only while holding can matter:
 * - the first answer of a model known to reason is held as the splitter's rules say (nothing is known
 *   yet), unless the protocol says the server takes reasoning out itself (Ollama asked to `think`);
 *   any other model's first answers stream at once;
 * - once the server separated reasoning for the model, or an answer from it ended complete with no
 *   reasoning at all, later answers stream at once — tags that open the output are still split;
 * - an orphan `</think>` brings the holding (for any model) for the answers after it, whatever was
 *   learned — one that ended held text, opened the output, or showed up real in text that streamed
 *   (`think-shown.ts`: from a model not known to reason only where it stands as a template's own, so an
 *   answer about the tags teaches nothing). In an answer that streamed, what went out as text cannot be
 *   taken back: the reply's message holds the reasoning apart (`shownReasoning`), and the agent and the
 *   proxy say so. Once seen, an answer without reasoning no longer lifts the holding (the server's
 *   template opens reasoning in the prompt); reasoning on its own channel does (the server was
 *   restarted to separate it).
 */
export class ThinkHabits {
  private readonly learned = new Map<string, Habit>();
  private readonly asked = new Set<string>();

  /**
   * `askServer`: asked once per model and server when an answer of a held model was cut at its token limit
   * with no reasoning seen (it may have been reasoning that never reached its `</think>`): what the server
   * says of its template settles it, unless an answer taught something first.
   */
  constructor(private readonly askServer?: AskServer) {}

  /**
   * The splitter of one reply. `separated`: the protocol's server takes inline reasoning out of the
   * text itself for this request, so an orphan tag is not expected unless one was seen.
   */
  splitterFor(model: ModelSpec, separated = false): ReasoningSplitter {
    const key = `${model.baseUrl}\n${model.id}`;
    const known = knownToReason(model);
    // Decided when the reply's first token comes, with what was learned by then (a server asked meanwhile).
    const hold = (): boolean => {
      const habit = this.learned.get(key);
      return habit === "orphans" || (known && habit === undefined && !separated);
    };
    return new LearningSplitter({ hold, strict: !known, learn: (learned) => this.learn(key, learned), unsettled: () => this.ask(model, key) });
  }

  private ask(model: ModelSpec, key: string): void {
    if (!this.askServer || this.asked.has(key) || this.learned.has(key)) return;
    this.asked.add(key);
    void this.askServer(model)
      .catch(() => undefined)
      .then((habit) => {
        if (habit && !this.learned.has(key)) this.learned.set(key, habit);
      });
  }

  private learn(key: string, habit: Habit): void {
    if (habit === "plain" && this.learned.get(key) === "orphans") return;
    this.learned.set(key, habit);
  }
}

/**
 * A reply's splitter that reports what the reply showed: an orphan `</think>` (one that ended held
 * text, one that opened the output, or a real one in text that streamed — read, once the text is whole,
 * as `think-shown.ts` reads it), reasoning on its own channel, or a complete answer with none.
 */
class LearningSplitter implements ReasoningSplitter {
  private splitter: ThinkTagSplitter | undefined;
  /** While the reply streams at once: the text given out, read at the end for a real `</think>`. */
  private shown: string | undefined;
  private found: ShownReasoning | undefined;
  private readonly hold: () => boolean;
  /** The model is not known to reason: a `</think>` in text that streamed counts only where it stands as a template's own. */
  private readonly strict: boolean;
  private readonly learn: (habit: Habit) => void;
  /** The reply was cut before anything showed whether its text was reasoning. */
  private readonly unsettled: () => void;
  /** The output's first characters after leading whitespace: whether it opened with a tag. */
  private opening = "";
  private segments = 0;
  private text = false;
  private inlineReasoning = false;
  private structured = false;
  private orphan = false;
  private over = false;

  constructor(options: { hold: () => boolean; strict: boolean; learn: (habit: Habit) => void; unsettled: () => void }) {
    this.hold = options.hold;
    this.strict = options.strict;
    this.learn = options.learn;
    this.unsettled = options.unsettled;
  }

  /** The splitter, made on the reply's first token: whether to hold is decided then. */
  private get inner(): ThinkTagSplitter {
    if (this.splitter) return this.splitter;
    const hold = this.hold();
    this.shown = hold ? undefined : "";
    this.splitter = new ThinkTagSplitter(hold);
    return this.splitter;
  }

  push(delta: string): Segment[] {
    if (this.opening.length < LONGEST_START) {
      this.opening = (this.opening + delta).trimStart().slice(0, LONGEST_START);
      if (closingSpelling(this.opening)) this.orphan = true; // an empty block whose opening tag was in the prompt
    }
    return this.note(this.inner.push(delta));
  }

  passThrough(delta: string): string | undefined {
    // The output's first characters are read for an opening or closing tag by push.
    if (this.opening.length < LONGEST_START) return undefined;
    const text = this.splitter?.passThrough(delta);
    if (text === undefined || text === "") return text;
    this.text = true;
    if (this.shown !== undefined) this.shown += text;
    this.segments += 1;
    return text;
  }

  finish(): Segment[] {
    return this.note(this.inner.finish());
  }

  structuredReasoningSeen(): void {
    this.structured = true;
    this.inner.structuredReasoningSeen();
  }

  ended(outcome: ReplyOutcome): void {
    if (this.over) return;
    this.over = true;
    this.readShown();
    if (this.orphan) this.learn("orphans");
    else if (this.structured) this.learn("separates");
    else if (this.text && !this.inlineReasoning && outcome === "complete") this.learn("plain");
    else if (this.text && !this.inlineReasoning && outcome === "cut" && this.splitter && this.shown === undefined) this.unsettled();
  }

  shownReasoning(): ShownReasoning | undefined {
    return this.found;
  }

  /**
   * The text that streamed, read whole for a real `</think>`: from a model known to reason any real one
   * teaches the habit; the reply's reasoning is taken from it only where none was seen before it (none
   * on its own channel, no `<think>` block) — and, for any other model, only then is it a `</think>` at all.
   */
  private readShown(): void {
    if (this.orphan || this.shown === undefined || !holdsClosingTag(this.shown)) return;
    const reasoningSeen = this.inlineReasoning || this.structured;
    if (this.strict && reasoningSeen) return;
    const found = reasoningInShownText(this.shown, this.strict);
    if (!found) return;
    this.orphan = true;
    if (!reasoningSeen) this.found = found;
  }

  private note(segments: Segment[]): Segment[] {
    for (const segment of segments) {
      if (segment.kind === "reasoning") {
        // Reasoning before any text, from output that did not open with a tag: held text an orphan tag ended.
        if (this.segments === 0 && !openingSpelling(this.opening) && !startsHarmony(this.opening)) this.orphan = true;
        this.inlineReasoning = true;
      } else {
        this.text = true;
        if (this.shown !== undefined) this.shown += segment.text;
      }
      this.segments += 1;
    }
    return segments;
  }
}

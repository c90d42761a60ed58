import { ClosingTagFinder, type CloseScan } from "./think-close.js";
import { HarmonySplitter } from "./think-harmony.js";
import { OpeningTagFinder, weighOpen } from "./think-open.js";
import { closingSpelling, mayStartMarkup, openingSpelling, startsHarmony, TAG_SPELLINGS, THINK_TAGS, type Segment, type TagSpelling } from "./think-spellings.js";

/**
 * Splits streamed text into final text and reasoning that servers leave inline. A reasoning block is
 * recognised only where models put one, so an answer that talks about the tags keeps every word:
 * - `<think>…</think>` at the very start of the output (leading whitespace allowed; tags may be split
 *   across chunks anywhere), from any model, and likewise a `</think>` that starts the output (an empty
 *   block whose opening tag was in the prompt);
 * - an orphan `</think>` with no opening tag before anything was shown, from a model known or
 *   configured to reason (MiniMax M2.1 in LM Studio streams its reasoning as plain text, then
 *   `</think>`; Qwen3, QwQ and DeepSeek-R1 chat templates put the opening tag in the prompt). Such a
 *   model's leading text is held back until `</think>` (it was reasoning) or the end (it was the answer).
 *   Often it is the whole answer: llama.cpp takes reasoning out into `reasoning_content` unless run
 *   with `--reasoning-format none`, and closes the block in the prompt with `--reasoning-budget 0`.
 *   When a real `<think>` (written bare, not as code, escaped or quoted: `think-open.ts`) comes in that
 *   text before any real `</think>`, the text before it was the answer (`Sure. <think>plan</think>
 *   Done.`): it is given out as text, and from the tag on the output is held until the block's
 *   `</think>` (only the tagged part is reasoning) or the end (the tag was a word). A `</think>` in a
 *   closed fence before it may still have been the close: the two readings are weighed at the end.
 * The `</think>` that ends either is never one written as Markdown code (inline span, fenced or indented
 * block, in a quote or list item too), escaped, behind `>` or a list marker, or loose (`think-close.ts`
 * says how, why a real one is never taken for words, how a fence the reasoning leaves open is decided
 * at the end of the output, and how an opened block that would leave no answer ends at such a tag):
 * reasoning that mentions the tag stays reasoning, and an answer from a reasoning model that shows the
 * tags in code keeps every word. Only the first real `</think>` ends reasoning; later ones are words.
 * Anywhere else `<think>` and `</think>` are text: real templates open reasoning only at the very start
 * of the output, so a tag after the answer of a model not known to reason began is words (an answer
 * about the tags, `Models write <think>…</think> around reasoning.`, keeps every word), and so is
 * every tag after a block ended and the answer began. A block that opens right after a block ended
 * (only whitespace between), before any answer, is reasoning too: the output is read as its start
 * again (`startAgain`, t22 #3). Such a block is held until its close; never closed, it was the answer
 * opening with a tag word (`<think> tags wrap my reasoning.`) and goes out as text, tag and all — no
 * answer is swallowed whole (review s27 #9). A block that opens the output stays reasoning to the end:
 * there the tag is where templates open reasoning, and an unclosed one is reasoning cut by the token
 * limit. Nothing shown is ever taken back.
 * All of this holds for every spelling of `think-spellings.ts` (`<seed:think>…</seed:think>`,
 * `[THINK]…[/THINK]`, `<thinking>…</thinking>`): a block ends only with its own spelling's close, and
 * a reasoning model's held text with the first real close of any. Output that opens with a harmony
 * header (gpt-oss, `<|channel|>analysis<|message|>…`) is read by its channels (`think-harmony.ts`).
 */
export type { Segment } from "./think-spellings.js";

/** The longest piece of a delta read at once (`read`). */
const READ_PIECE = 1_024;

export class ThinkTagSplitter {
  private state: "start" | "holding" | "thinking" | "opening" | "text" | "harmony" = "start";
  /** The spelling of the block being read ("thinking", "opening"). */
  private spelling: TagSpelling = THINK_TAGS;
  private harmony: HarmonySplitter | undefined;
  /**
   * The output so far while it is undecided ("start"), all of it while held back ("holding"), or from
   * a `<think>` after answer text on ("opening").
   */
  private held = "";
  /** In "start": `held` less its leading whitespace (kept as the output comes, not read again per delta). */
  private trimmed = "";
  /** Whether `held` has more than whitespace, in "holding" (kept as it grows, not read again). */
  private heldWords = false;
  private afterReasoning = false;
  /** A block ended where the answer had not begun: the output is read as its start again, but text after it is the answer, never held. */
  private blockEnded = false;
  /** How often the output's start was read again (startAgain): finish flushes what a block ending only then left. */
  private startsAgain = 0;
  /** What a block that ended before the answer left to read as the output's start again: read by `read`'s loop, never by a nested push. */
  private again: string | undefined;
  /**
   * In "opening": the block opened where the output's start was read again (after a block ended), not after answer
   * text — its close leads to reading the start again, and never closed it is the answer's words (tag included).
   */
  private reopened = false;
  /** Where the reasoning ends, in "thinking", "holding" and "opening". */
  private finder = new ClosingTagFinder("none");
  /** While a reasoning model's leading text is held: where a `<think>` opens reasoning after answer text. */
  private opener: OpeningTagFinder | undefined;
  /** Where in `held` a real `<think>` is that a fenced `</think>` before it may have made code: weighed at the end. */
  private deferredOpen: { at: number; spelling: TagSpelling } | undefined;
  /** The last character of text given out (whitespace after a block opened mid-output goes only after whitespace). */
  private lastText = "";

  /**
   * `reasoner`: the model is known or configured to reason and its server may still send an orphan
   * `</think>` (`think-habits.ts` decides per model and server), so leading text may end in one.
   */
  constructor(private readonly reasoner: boolean) {}

  /** Reasoning arrived on a separate channel: the text is the answer, no need to hold it back. */
  structuredReasoningSeen(): void {
    this.opener = undefined; // a `<think>` in the text is a word
    if ((this.state === "start" && this.trimmed === "") || (this.state === "holding" && !this.heldWords)) {
      this.held = ""; // whitespace before the answer, which goes
      this.state = "text";
      this.afterReasoning = true;
    }
  }

  push(delta: string): Segment[] {
    const out: Segment[] = [];
    this.read(out, delta);
    return out;
  }

  /**
   * Reads a delta, then what each block that ended before the answer left (startAgain), one after another:
   * a loop, not a push nested per block — thousands of blocks in one delta never overflow the stack. A long
   * delta is read in pieces of READ_PIECE (the split does not depend on how the output is cut): each block
   * read again only the rest of its piece, not the rest of the delta, so the time grows with the delta, not
   * with the delta times its blocks.
   */
  private read(out: Segment[], delta: string): void {
    for (let start = 0; start < delta.length || start === 0; ) {
      let end = Math.min(delta.length, start + READ_PIECE);
      if (end < delta.length && /[\uDC00-\uDFFF]/.test(delta[end] ?? "")) end -= 1; // never between a pair's halves
      let rest: string | undefined = delta.slice(start, end);
      while (rest !== undefined) {
        this.again = undefined;
        this.readOnce(out, rest);
        rest = this.again;
      }
      start = end;
      if (end === 0) break;
    }
  }

  private readOnce(out: Segment[], delta: string): void {
    if (this.state === "start") {
      this.held += delta;
      this.trimmed = this.trimmed === "" ? delta.trimStart() : this.trimmed + delta;
      const trimmed = this.trimmed;
      const opened = openingSpelling(trimmed);
      const closed = closingSpelling(trimmed);
      if (opened && this.blockEnded) {
        // A block right after a block, before any answer: held until its close (reasoning) or the end (the answer's words).
        this.held = "";
        this.trimmed = "";
        this.open(out, { spelling: opened, after: trimmed.slice(opened.open.length) }, true);
      } else if (opened) {
        this.held = "";
        this.state = "thinking";
        this.spelling = opened;
        this.finder = new ClosingTagFinder("start", [opened]);
        this.think(out, this.finder.push(trimmed.slice(opened.open.length)));
      } else if (closed && !this.blockEnded) {
        // An empty block whose opening tag was in the prompt (chat templates do that): only the tag goes.
        this.held = "";
        this.blockEnded = true;
        this.startAgain(trimmed.slice(closed.close.length));
      } else if (startsHarmony(trimmed)) {
        this.held = "";
        this.state = "harmony";
        this.harmony = new HarmonySplitter();
        this.harmonize(out, this.harmony.push(trimmed));
      } else if (trimmed !== "" && !mayStartMarkup(trimmed)) {
        // Not whitespace, nor maybe "<thi…": the output does not open with a tag.
        const text = this.held;
        this.held = "";
        this.trimmed = "";
        if (this.reasoner && !this.blockEnded) {
          this.state = "holding";
          this.heldWords = true; // the text has words: it did not open with a tag
          this.finder = new ClosingTagFinder("none", TAG_SPELLINGS);
          this.opener = new OpeningTagFinder();
          this.hold(out, text);
        } else {
          this.state = "text";
          this.emit(out, "text", text);
        }
      }
      return;
    }
    if (this.state === "holding") this.hold(out, delta);
    else if (this.state === "thinking") this.think(out, this.finder.push(delta));
    else if (this.state === "opening") this.holdOpened(out, delta);
    else if (this.state === "harmony" && this.harmony) this.harmonize(out, this.harmony.push(delta));
    else this.emit(out, "text", delta);
  }

  /**
   * `push` for a delta that can only be text — the output is past its start and any reasoning, so nothing
   * in it is read for tags (state "text"): the delta itself, as the one text segment `push` would give
   * ("" for none), without a list and a segment made per delta. undefined in any other state: `push` it.
   */
  passThrough(delta: string): string | undefined {
    if (this.state !== "text" || this.afterReasoning) return undefined;
    if (delta !== "") this.lastText = delta[delta.length - 1] as string;
    return delta;
  }

  /**
   * The end of the reply: whatever is held is flushed as what it is — a block that opens the output and is
   * never closed stays reasoning; one opened after a block ended, or after answer text, is the answer's words.
   */
  finish(): Segment[] {
    const out: Segment[] = [];
    // A block that ended only now may have left the output's start to read again (startAgain): what that holds is flushed too, in turn.
    for (;;) {
      const startsBefore = this.startsAgain;
      this.again = undefined;
      this.finishOnce(out);
      if (this.again !== undefined) this.read(out, this.again);
      if (this.startsAgain === startsBefore) break;
    }
    this.held = "";
    this.trimmed = "";
    this.heldWords = false;
    this.opener = undefined;
    return out;
  }

  private finishOnce(out: Segment[]): void {
    if (this.state === "thinking") this.think(out, this.finder.finish());
    else if (this.state === "harmony" && this.harmony) this.harmonize(out, this.harmony.finish());
    else if (this.state === "holding" || this.state === "opening") {
      const scan = this.finder.finish();
      const block = this.deferredOpen === undefined ? undefined : weighOpen(this.held, this.deferredOpen, scan);
      if (block && this.deferredOpen !== undefined) {
        const held = this.held;
        this.emit(out, "text", held.slice(0, this.deferredOpen.at));
        this.held = held.slice(this.deferredOpen.at);
        this.spelling = this.deferredOpen.spelling;
        this.closeOpened(out, block);
      } else if (scan.after === undefined) this.emit(out, "text", this.held);
      else if (this.state === "holding") this.closeHeld(out, scan);
      else this.closeOpened(out, scan);
    } else {
      this.emit(out, "text", this.held);
      this.held = "";
    }
  }

  /**
   * Leading text of a reasoning model: all of it is held until the real `</think>` or the end — or a
   * `<think>` before it, which shows that the text before it was the answer.
   */
  private hold(out: Segment[], delta: string): void {
    this.held += delta;
    if (!this.heldWords) this.heldWords = /\S/.test(delta);
    const scan = this.finder.push(delta);
    const opened = this.opener?.push(delta);
    if (opened !== undefined) {
      this.opener = undefined;
      const openAt = this.held.length - opened.after.length - opened.spelling.open.length;
      // A real `</think>` found, even one weighed against fenced ones till the end, comes before it.
      const closeAt = scan.after === undefined ? this.finder.realCloseAt : this.held.length - scan.after.length - (scan.tag ?? "").length;
      // A real `</think>` before it ended the reasoning; tags written as words before it are overruled.
      if (closeAt === undefined || openAt < closeAt) {
        const weighed = this.finder.closeWeighedAt;
        if (weighed !== undefined && weighed < openAt) this.deferredOpen = { at: openAt, spelling: opened.spelling }; // a fenced one: weighed at the end
        else {
          const held = this.held;
          this.held = "";
          this.emit(out, "text", held.slice(0, openAt));
          this.open(out, { spelling: opened.spelling, after: held.slice(openAt + opened.spelling.open.length) });
          return;
        }
      }
    }
    if (this.finder.realCloseAt !== undefined) this.opener = undefined; // every reading ends the reasoning before what follows
    if (scan.after !== undefined) this.closeHeld(out, scan);
  }

  private closeHeld(out: Segment[], scan: CloseScan): void {
    const after = scan.after ?? "";
    this.emit(out, "reasoning", this.held.slice(0, this.held.length - after.length - (scan.tag ?? "").length));
    this.held = "";
    this.opener = undefined;
    this.startAgain(after);
  }

  /**
   * A block ended before any answer: another may open right after it, only whitespace between
   * (`<think>a</think>\n<think>b</think>Answer`, an orphan `</think>` then a block) — a model that
   * thinks twice. The rest is read as the output's start again (t22 #3), by the caller's loop (`read`);
   * the first text that is no tag is the answer, given out at once.
   */
  private startAgain(after: string): void {
    this.state = "start";
    this.held = "";
    this.trimmed = "";
    this.afterReasoning = true;
    this.blockEnded = true;
    this.startsAgain += 1;
    this.again = after === "" ? undefined : after;
  }

  /**
   * A `<think>` after answer text, or right after a block ended (`reopened`): what follows is held until its
   * `</think>` (reasoning) or the end (the tag was a word, and what follows the answer's).
   */
  private open(out: Segment[], opened: { spelling: TagSpelling; after: string }, reopened = false): void {
    this.state = "opening";
    this.reopened = reopened;
    this.opener = undefined;
    this.spelling = opened.spelling;
    this.held = opened.spelling.open;
    this.finder = new ClosingTagFinder("middle", [opened.spelling]);
    this.holdOpened(out, opened.after);
  }

  private holdOpened(out: Segment[], delta: string): void {
    this.held += delta;
    const scan = this.finder.push(delta);
    if (scan.after !== undefined) this.closeOpened(out, scan);
  }

  private closeOpened(out: Segment[], scan: CloseScan): void {
    const after = scan.after ?? "";
    this.emit(out, "reasoning", this.held.slice(this.spelling.open.length, this.held.length - after.length - (scan.tag ?? "").length));
    this.held = "";
    if (this.reopened) {
      this.reopened = false;
      this.startAgain(after);
      return;
    }
    this.state = "text";
    this.afterReasoning = this.lastText === "" || /\s/.test(this.lastText); // "Sure. <think>…</think> Done." reads "Sure. Done."
    this.emit(out, "text", after);
  }

  /** Harmony output's segments: the answer after reasoning starts at its first word. */
  private harmonize(out: Segment[], segments: readonly Segment[]): void {
    for (const segment of segments) {
      this.emit(out, segment.kind, segment.text);
      // Whitespace after reasoning goes only before the answer's first words: a later message's paragraph break stays (think-harmony.ts).
      if (segment.kind === "reasoning") this.afterReasoning = this.lastText === "";
    }
  }

  private think(out: Segment[], scan: CloseScan): void {
    this.emit(out, "reasoning", scan.before);
    if (scan.after === undefined) return;
    this.startAgain(scan.after);
  }

  private emit(out: Segment[], kind: Segment["kind"], text: string): void {
    let value = text;
    if (kind === "text" && this.afterReasoning) {
      value = value.replace(/^\s+/, "");
      if (value === "") return;
      this.afterReasoning = false;
    }
    if (value === "") return;
    if (kind === "text") this.lastText = value[value.length - 1] as string;
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += value;
    else out.push({ kind, text: value });
  }
}

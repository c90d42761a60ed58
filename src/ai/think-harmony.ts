import { partialSuffix } from "./think-tag-kind.js";
import type { Segment } from "./think-spellings.js";

/**
 * Splits gpt-oss "harmony" output that a server left unparsed (its special tokens written out in the
 * text) into reasoning and answer, as it streams. The output is a run of messages, each a header then
 * a body: `<|channel|>analysis<|message|>…<|end|>` then `<|start|>assistant<|channel|>final<|message|>…`
 * (maybe ended by `<|return|>`). OpenAI's harmony format says what each channel holds:
 * - `analysis`: the reasoning;
 * - `final`: the answer;
 * - `commentary`: a call to a tool when the header names a recipient (`to=functions.name`, its
 *   arguments as the body, ended by `<|call|>`): kept with the reasoning (a server that does not parse
 *   harmony does not call it, and it is no answer word); without one, a preamble meant for the user
 *   (text of the answer);
 * - any other channel: text (no answer word is lost to a guess).
 * A body ends at `<|end|>`, `<|return|>` or `<|call|>` only where the next message's header
 * (`<|start|>` or `<|channel|>`) or the end of the output follows it: a mention of those tokens in the
 * answer (in code, say) stays text. The headers and the tokens that end bodies never reach the answer.
 * A header that does not end in `<|message|>` on its line (within `HEADER_LIMIT` characters) was not
 * one: it and everything after it are text — unless the output ends in it while it holds only what a
 * header does (tokens, role, channel, recipient, constraint): a header cut off, which goes.
 */
export class HarmonySplitter {
  private state: "header" | "body" | "text" = "header";
  /** The header so far ("header"), or the body from where a token may end it ("body"). */
  private held = "";
  private channel: Segment["kind"] = "text";
  /** The last character of answer text an earlier message gave: the next one's opens a paragraph of its own (a preamble, then the answer: t22 #6). */
  private lastText = "";
  /** This message's body gives no text yet: its first words are set apart from an earlier message's. */
  private bodyFresh = false;

  push(delta: string): Segment[] {
    this.held += delta;
    const out: Segment[] = [];
    this.read(out, false);
    return out;
  }

  finish(): Segment[] {
    const out: Segment[] = [];
    this.read(out, true);
    if (this.state === "header" && !cutHeader(this.held)) add(out, "text", this.held); // not a header: words
    else if (this.state === "body") this.body(out, this.held);
    else if (this.state === "text") add(out, "text", this.held);
    this.held = "";
    return out;
  }

  private read(out: Segment[], ended: boolean): void {
    for (;;) {
      if (this.state === "text") {
        add(out, "text", this.held);
        this.held = "";
        return;
      }
      if (this.state === "header" ? !this.readHeader() : !this.readBody(out, ended)) return;
    }
  }

  /** Reads a whole header: true once the body starts (or the text turned out to be no header). */
  private readHeader(): boolean {
    const text = this.held.replace(/^\s+/, "");
    const at = text.indexOf(MESSAGE);
    const header = at < 0 ? text : text.slice(0, at);
    if (header.includes("\n") || header.length > HEADER_LIMIT) {
      this.state = "text";
      return true;
    }
    if (at < 0) return false;
    this.channel = channelKind(header);
    this.held = text.slice(at + MESSAGE.length);
    this.state = "body";
    this.bodyFresh = true;
    return true;
  }

  /** Gives out the body up to where a token may end it: true once it ended (the next header follows). */
  private readBody(out: Segment[], ended: boolean): boolean {
    let from = 0;
    for (;;) {
      const found = nextEnd(this.held, from);
      if (!found) {
        const keep = ended ? 0 : Math.max(...ENDS.map((token) => partialSuffix(this.held, token)));
        this.giveOut(out, this.held.length - keep);
        return false;
      }
      const after = this.held.slice(found.at + found.token.length);
      const next = after.replace(/^\s+/, "");
      if (NEXT.some((token) => next.startsWith(token))) {
        this.body(out, this.held.slice(0, found.at));
        this.held = next;
        this.state = "header";
        return true;
      }
      if (next === "" && ended) {
        this.body(out, this.held.slice(0, found.at)); // the output's last token
        this.held = "";
        return false;
      }
      if (next === "" || NEXT.some((token) => token.startsWith(next))) {
        this.giveOut(out, found.at); // what follows decides
        return false;
      }
      from = found.at + found.token.length; // a mention: words of the body
    }
  }

  private giveOut(out: Segment[], end: number): void {
    this.body(out, this.held.slice(0, end));
    this.held = this.held.slice(end);
  }

  /** A piece of the current message's body: answer text after an earlier message's starts a paragraph of its own. */
  private body(out: Segment[], text: string): void {
    if (text === "") return;
    if (this.channel === "text" && this.bodyFresh && /\S/.test(this.lastText) && /^\S/.test(text)) add(out, "text", "\n\n");
    if (this.channel === "text") this.lastText = text[text.length - 1] ?? "";
    this.bodyFresh = false;
    add(out, this.channel, text);
  }
}

const MESSAGE = "<|message|>";
/** Tokens that end a message's body. */
const ENDS = ["<|end|>", "<|return|>", "<|call|>"] as const;
/** Tokens that start the next message's header. */
const NEXT = ["<|start|>", "<|channel|>"] as const;
/** Longer than any header a model writes (role, channel, recipient, constraint). */
const HEADER_LIMIT = 200;
/**
 * What a header the output's end cut off holds: its tokens, the role gpt-oss writes, a channel's name, a
 * recipient and a constraint — nothing else, so an answer that merely opens with a token
 * (`<|channel|> is a token of gpt-oss.`) is words.
 */
const CUT_HEADER = /^(?:\s|<\|(?:start|channel)\|>|<\|constrain\|>\s*[\w.-]*|\b(?:assistant|analysis|final|commentary)\b|\bto=[\w.:-]*)*$/;
/** Where a header may be cut in the middle of one of these: its last characters may begin one. */
const HEADER_PARTS = ["<|start|>", "<|channel|>", "<|constrain|>", MESSAGE, "assistant", "analysis", "final", "commentary", "to="] as const;

/** Whether an unfinished header at the end of the output was one, cut off (it goes), rather than words. */
function cutHeader(text: string): boolean {
  return CUT_HEADER.test(text) || HEADER_PARTS.some((part) => {
    const cut = partialSuffix(text, part);
    return cut > 0 && CUT_HEADER.test(text.slice(0, text.length - cut));
  });
}

/** What a message's body is, from its header: reasoning, or text of the answer. */
function channelKind(header: string): Segment["kind"] {
  const channel = /<\|channel\|>\s*([A-Za-z]+)/.exec(header)?.[1]?.toLowerCase();
  if (channel === "analysis") return "reasoning";
  if (channel === "commentary" && /\bto=\S/.test(header)) return "reasoning";
  return "text";
}

function nextEnd(text: string, from: number): { at: number; token: string } | undefined {
  let first: { at: number; token: string } | undefined;
  for (const token of ENDS) {
    const at = text.indexOf(token, from);
    if (at >= 0 && (!first || at < first.at)) first = { at, token };
  }
  return first;
}

function add(out: Segment[], kind: Segment["kind"], text: string): void {
  if (text === "") return;
  const last = out[out.length - 1];
  if (last && last.kind === kind) last.text += text;
  else out.push({ kind, text });
}

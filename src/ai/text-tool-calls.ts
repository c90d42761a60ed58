import { argumentsText } from "./tool-arguments.js";

/**
 * Tool calls that local models write as text, in their own formats, when the server has no parser
 * for them (or the chat template hides the tools): recognised in the stream, never shown as text.
 *
 * - Hermes / Qwen 2.5–3: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`
 * - Qwen3-Coder: `<tool_call><function=NAME><parameter=KEY>VALUE</parameter>…</function></tool_call>`
 *   (also without the `<tool_call>` wrapper)
 * - Mistral: `[TOOL_CALLS][{"name": …, "arguments": {…}}, …]`, or `[TOOL_CALLS]NAME[ARGS]{…}` (v11 tokenizer)
 * - Llama 3.1+: `<|python_tag|>{"name": …, "parameters": {…}}` (several separated by `;`)
 *
 * Recognised only where models put a call: the marker at the start of the output or of a line (only
 * spaces or tabs before it), and the call(s) END the output (only whitespace or further calls after
 * them). A closed call is held until that is clear; prose after it makes it text, as written (an
 * answer quoting the format keeps its words). Text at a line's start that might be the start of a marker
 * is held back until it is clear; everything else passes at once. Only used when the model was offered tools.
 */
export type TextPiece = { kind: "text"; text: string } | { kind: "call"; name: string; rawArguments: string };

interface Format {
  start: string;
  /** The closing marker; undefined: the call runs to the end of the output. */
  end: string | undefined;
  parse(body: string): ParsedCall[] | undefined;
}

interface ParsedCall {
  name: string;
  rawArguments: string;
}

const FORMATS: readonly Format[] = [
  { start: "<tool_call>", end: "</tool_call>", parse: (body) => (body.trim().startsWith("<function=") ? parseXmlFunctions(body) : parseJsonCalls(body)) },
  { start: "<function=", end: "</function>", parse: (body) => parseXmlFunctions(`<function=${body}</function>`) },
  { start: "[TOOL_CALLS]", end: undefined, parse: parseMistral },
  { start: "<|python_tag|>", end: undefined, parse: (body) => parseJsonCalls(body.replace(/<\|eom_id\|>|<\|eot_id\|>/g, "")) },
];

export class TextToolCallExtractor {
  private held = "";
  private open: { format: Format; body: string } | undefined;
  /** Calls closed but not yet known to end the output, with the whitespace between them, and the text they came from. */
  private pending: { pieces: TextPiece[]; raw: string } | undefined;
  /** Whether only spaces or tabs went out since the last newline (or the output's start, or a call). */
  private atLineStart = true;

  push(delta: string): TextPiece[] {
    this.held += delta;
    const out: TextPiece[] = [];
    for (;;) {
      if (this.open) {
        const { format } = this.open;
        if (format.end === undefined) {
          this.open.body += this.held;
          this.held = "";
          return out;
        }
        const close = this.held.indexOf(format.end);
        if (close === -1) {
          // Keep what might be the start of the closing marker for the next delta.
          const keep = partialSuffix(this.held, [format.end]);
          this.open.body += this.held.slice(0, this.held.length - keep);
          this.held = this.held.slice(this.held.length - keep);
          return out;
        }
        this.open.body += this.held.slice(0, close);
        this.held = this.held.slice(close + format.end.length);
        out.push(...this.closeOpen(true));
        continue;
      }
      if (this.pending) {
        // After a call only whitespace or another call may follow; anything else makes the calls text.
        const space = /^\s*/.exec(this.held)?.[0] ?? "";
        if (space !== "") {
          this.pending.pieces.push({ kind: "text", text: space });
          this.pending.raw += space;
          this.held = this.held.slice(space.length);
        }
        if (this.held === "") return out;
        const next = FORMATS.find((format) => this.held.startsWith(format.start));
        if (next) {
          this.open = { format: next, body: "" };
          this.held = this.held.slice(next.start.length);
          continue;
        }
        if (FORMATS.some((format) => format.start.startsWith(this.held))) return out; // perhaps the next call's marker
        out.push(...this.pendingAsText());
        continue;
      }
      const found = firstStartAtLineStart(this.held, this.atLineStart);
      if ("format" in found) {
        if (found.index > 0) out.push(this.text(this.held.slice(0, found.index)));
        this.open = { format: found.format, body: "" };
        this.held = this.held.slice(found.index + found.format.start.length);
        continue;
      }
      const text = this.held.slice(0, found.heldFrom);
      this.held = this.held.slice(found.heldFrom);
      if (text !== "") out.push(this.text(text));
      return out;
    }
  }

  /** The output ended: a call still open is parsed as it stands; calls that end the output are calls; held text goes out. */
  finish(): TextPiece[] {
    const out: TextPiece[] = [];
    if (this.open) {
      this.open.body += this.held;
      this.held = "";
      out.push(...this.closeOpen(false));
    }
    if (this.pending && this.held.trim() === "") {
      out.push(...this.pending.pieces);
      this.pending = undefined;
    }
    out.push(...this.pendingAsText());
    if (this.held !== "") out.push(this.text(this.held));
    this.held = "";
    return out;
  }

  private closeOpen(closed: boolean): TextPiece[] {
    const open = this.open;
    this.open = undefined;
    if (!open) return [];
    const raw = `${open.format.start}${open.body}${closed ? (open.format.end ?? "") : ""}`;
    const calls = open.format.parse(open.body);
    if (calls && calls.length > 0) {
      this.pending ??= { pieces: [], raw: "" };
      this.pending.pieces.push(...calls.map((call): TextPiece => ({ kind: "call", ...call })));
      this.pending.raw += raw;
      this.atLineStart = true;
      return [];
    }
    // Not a call after all (no name could be read): the text goes out as the model wrote it, and calls before it were not the end.
    return [...this.pendingAsText(), this.text(raw)];
  }

  /** Calls followed by prose were examples, not calls: they go out as the model wrote them. */
  private pendingAsText(): TextPiece[] {
    const pending = this.pending;
    this.pending = undefined;
    return pending ? [this.text(pending.raw)] : [];
  }

  private text(text: string): TextPiece {
    const newline = text.lastIndexOf("\n");
    this.atLineStart = newline === -1 ? this.atLineStart && /^[ \t]*$/.test(text) : /^[ \t]*$/.test(text.slice(newline + 1));
    return { kind: "text", text };
  }
}

/**
 * The first marker where models put a call: at the start of the output or of a line, only spaces or tabs
 * before it. Otherwise where the text must be held from: a line's start that may yet become a marker (the
 * text's length if none). Only line starts are looked at, each once, so a long line costs its length
 * however many look-alike markers it holds.
 */
function firstStartAtLineStart(text: string, atLineStart: boolean): { index: number; format: Format } | { heldFrom: number } {
  for (let lineStart = atLineStart ? 0 : nextLineStart(text, 0); lineStart !== -1; ) {
    let at = lineStart;
    while (text[at] === " " || text[at] === "\t") at++;
    const format = FORMATS.find((candidate) => text.startsWith(candidate.start, at));
    if (format) return { index: at, format };
    if (at < text.length && text.length - at < LONGEST_START && FORMATS.some((candidate) => candidate.start.startsWith(text.slice(at)))) return { heldFrom: at };
    lineStart = nextLineStart(text, at);
  }
  return { heldFrom: text.length };
}

const LONGEST_START = Math.max(...FORMATS.map((format) => format.start.length));

/** Where the line after the one `from` is on begins, or -1 when the text has no further line. */
function nextLineStart(text: string, from: number): number {
  const newline = text.indexOf("\n", from);
  return newline === -1 ? -1 : newline + 1;
}

/** How many characters at the end of `text` could begin one of `markers`. */
function partialSuffix(text: string, markers: readonly string[]): number {
  let longest = 0;
  for (const marker of markers) {
    for (let length = Math.min(marker.length - 1, text.length); length > longest; length--) {
      if (text.endsWith(marker.slice(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}

/** One JSON call object, an array of them, or several separated by `;` or newlines. */
function parseJsonCalls(body: string): ParsedCall[] | undefined {
  const text = body.trim();
  const whole = parseJson(text);
  const values = whole !== undefined ? (Array.isArray(whole) ? whole : [whole]) : text.split(/;\s*|\n(?=[^\S\n]*\{)/).map((part) => parseJson(part.trim()));
  const calls = values.map(callFromObject);
  if (calls.length > 0 && calls.every((call): call is ParsedCall => call !== undefined)) return calls;
  const broken = brokenCall(text);
  return broken ? [broken] : undefined;
}

/**
 * A call whose JSON is broken (cut at the reply limit, a weak model's typo) but whose tool is named:
 * still a call, with the arguments as written, so the model is told they are invalid and can retry.
 */
function brokenCall(text: string): ParsedCall | undefined {
  const name = /^\s*\{\s*"name"\s*:\s*"([^"\\]+)"/.exec(text)?.[1];
  if (!name) return undefined;
  const args = /"(?:arguments|parameters)"\s*:\s*([\s\S]*)$/.exec(text)?.[1] ?? "";
  return { name, rawArguments: args.replace(/\}\s*$/, "").trim() || "{" };
}

function callFromObject(value: unknown): ParsedCall | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const fn = record.function && typeof record.function === "object" ? (record.function as Record<string, unknown>) : record;
  const name = typeof fn.name === "string" ? fn.name.trim() : "";
  if (name === "") return undefined;
  const args = fn.arguments ?? fn.parameters ?? {};
  return { name, rawArguments: argumentsText(args) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `<function=NAME><parameter=KEY>VALUE</parameter>…</function>`, one or more; values that read as JSON keep their type. */
function parseXmlFunctions(body: string): ParsedCall[] | undefined {
  const calls: ParsedCall[] = [];
  for (const match of body.matchAll(/<function=([^>\s]+)\s*>([\s\S]*?)(?:<\/function>|$)/g)) {
    const args: Record<string, unknown> = {};
    for (const parameter of (match[2] ?? "").matchAll(/<parameter=([^>\s]+)\s*>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g)) {
      const raw = (parameter[2] ?? "").replace(/^\n/, "").replace(/\n$/, "");
      const typed = parseJson(raw.trim());
      args[parameter[1] ?? ""] = typed !== undefined && typeof typed !== "string" ? typed : raw;
    }
    calls.push({ name: match[1] ?? "", rawArguments: argumentsText(args) });
  }
  return calls.length > 0 ? calls : undefined;
}

/** `[{"name", "arguments"}, …]` (Mistral v3) or `NAME[ARGS]{…}` repeated with `[TOOL_CALLS]` (v11). */
function parseMistral(body: string): ParsedCall[] | undefined {
  const text = body.replace(/<\/s>\s*$/, "").trim();
  if (text.startsWith("[") || text.startsWith("{")) return parseJsonCalls(text);
  const calls: ParsedCall[] = [];
  for (const part of text.split("[TOOL_CALLS]")) {
    const at = part.indexOf("[ARGS]");
    if (at <= 0) return undefined;
    calls.push({ name: part.slice(0, at).trim(), rawArguments: part.slice(at + "[ARGS]".length).trim() });
  }
  return calls.length > 0 ? calls : undefined;
}

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
 * Text that might be the start of a marker is held back until it is clear; everything else passes
 * at once. Only used when the model was offered tools.
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
        out.push(...this.close(true));
        continue;
      }
      const found = firstStart(this.held);
      if (found) {
        if (found.index > 0) out.push({ kind: "text", text: this.held.slice(0, found.index) });
        this.open = { format: found.format, body: "" };
        this.held = this.held.slice(found.index + found.format.start.length);
        continue;
      }
      const keep = partialSuffix(this.held, FORMATS.map((format) => format.start));
      const text = this.held.slice(0, this.held.length - keep);
      this.held = this.held.slice(this.held.length - keep);
      if (text !== "") out.push({ kind: "text", text });
      return out;
    }
  }

  /** The output ended: a call still open is parsed as it stands; held text goes out. */
  finish(): TextPiece[] {
    const out: TextPiece[] = [];
    if (this.open) {
      this.open.body += this.held;
      this.held = "";
      out.push(...this.close(false));
    }
    if (this.held !== "") out.push({ kind: "text", text: this.held });
    this.held = "";
    return out;
  }

  private close(closed: boolean): TextPiece[] {
    const open = this.open;
    this.open = undefined;
    if (!open) return [];
    const calls = open.format.parse(open.body);
    if (calls && calls.length > 0) return calls.map((call) => ({ kind: "call", ...call }));
    // Not a call after all (no name could be read): the text goes out as the model wrote it.
    return [{ kind: "text", text: `${open.format.start}${open.body}${closed ? (open.format.end ?? "") : ""}` }];
  }
}

function firstStart(text: string): { index: number; format: Format } | undefined {
  let best: { index: number; format: Format } | undefined;
  for (const format of FORMATS) {
    const index = text.indexOf(format.start);
    if (index !== -1 && (!best || index < best.index)) best = { index, format };
  }
  return best;
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
  const values = whole !== undefined ? (Array.isArray(whole) ? whole : [whole]) : text.split(/;\s*|\n+(?=\s*\{)/).map((part) => parseJson(part.trim()));
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
  return { name, rawArguments: typeof args === "string" ? args : JSON.stringify(args) };
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
    calls.push({ name: match[1] ?? "", rawArguments: JSON.stringify(args) });
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

import type { ToolCall } from "../ai/types.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { shellQuote } from "../shared/shell-quote.js";
import { singleLine } from "../shared/text.js";
import type { AgentEvent } from "./agent-events.js";

/**
 * How a tool call and its result are shown to a person (the web chat's notes, the terminal's line, a
 * transcript export): the program and arguments that ran, and the result without the markers that
 * frame outside text for the model. Pure text: the page bundles it too.
 */

/** A preview of a result: past this it is cut at a word, marked "…". */
export const RESULT_PREVIEW_CHARS = 200;
/** A failed call's preview may be longer: a refusal is all reason and advice ("…; list it with -t instead"). */
export const FAILURE_PREVIEW_CHARS = 400;
/** One argument past this is cut, marked "…" (a long URL, a pattern). */
const ARGUMENT_CHARS = 60;
/** The whole command line past this ends with how many arguments were left out. */
const COMMAND_CHARS = 140;

// The begin and end lines of an untrusted block (src/agent/untrusted.ts writes them, random marker and source label).
const BLOCK_START = /<<<untrusted-[0-9a-f]+ source="[^"\n]*">>>\n?/g;
const BLOCK_END = /\n?<<<end-untrusted-[0-9a-f]+>>>/g;

/** The text with the untrusted blocks' marker lines taken out, their content left where it was. */
export function withoutUntrustedMarkers(text: string): string {
  return text.replace(BLOCK_START, "").replace(BLOCK_END, "");
}

/**
 * `text` cut to at most `limit` characters at the end of a word, "…" after it; whole when it fits.
 * A single word longer than a third of the limit (a path, a URL) is cut inside rather than lost.
 */
export function cutAtWord(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const room = limit - 1;
  const space = Math.max(text.lastIndexOf(" ", room), text.lastIndexOf("\n", room));
  const end = space >= room * (2 / 3) ? space : room;
  return `${text.slice(0, end).trimEnd().replace(/[,;:]$/, "")}…`;
}

/** A result's preview as a note shows it: without the markers, on one line, cut at a word. */
export function resultPreview(content: string, isError: boolean): string {
  return cutAtWord(singleLine(withoutUntrustedMarkers(content)), isError ? FAILURE_PREVIEW_CHARS : RESULT_PREVIEW_CHARS);
}

/** One argument as a shell would need it (quoted where it holds a space or a special character), cut when long. */
function argumentWords(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(argumentWords);
  const text = singleLine(typeof value === "string" ? value : JSON.stringify(value));
  const cut = cutAtWord(text, ARGUMENT_CHARS);
  // The mark of a cut goes after the quotes: it is not part of the argument.
  return [cut === text ? shellQuote(text) : `${shellQuote(cut.slice(0, -1))}…`];
}

/**
 * What a tool call ran, on one line: the tool, then its program and arguments — `exec git status
 * --short`, `web_fetch https://example.com/`, `memory append 'buy milk'` — each argument quoted as a
 * shell would need it and cut when long, the line ending with how many arguments were left out when
 * it is longer still. The caller masks secrets in `args` before (a cut secret is no longer recognised).
 */
export function toolCallWords(name: string, args: Readonly<Record<string, unknown>>): string {
  const words = Object.values(args).flatMap(argumentWords);
  const leftOut = (count: number): string => ` … (${count} more argument${count === 1 ? "" : "s"})`;
  let line = name;
  for (const [index, word] of words.entries()) {
    const after = words.length - index - 1;
    // Room is kept for saying how many are left out, unless this is the last.
    if (line.length + 1 + word.length + (after > 0 ? leftOut(after).length : 0) > COMMAND_CHARS) return `${line}${leftOut(after + 1)}`;
    line = `${line} ${word}`;
  }
  return line;
}

/**
 * Tells a person of a tool call: its start now (what runs), and its end by the returned call (how it
 * went, the start of its result). Secrets are masked before anything is shortened — a secret cut in
 * half would no longer be recognised — and the events are masked again on their way to a channel.
 */
export function shownToolCall(call: Pick<ToolCall, "name" | "arguments">, secrets: SecretRedactor | undefined, emit: (event: AgentEvent) => void): { end(output: { content: string; isError: boolean }): void } {
  const masked = <T>(value: T): T => (secrets ? secrets.redactValue(value) : value);
  const command = toolCallWords(call.name, masked(call.arguments));
  emit({ type: "tool-start", name: call.name, arguments: call.arguments, command });
  return { end: (output) => emit({ type: "tool-end", name: call.name, command, isError: output.isError, preview: resultPreview(masked(output.content), output.isError) }) };
}

import JSON5 from "json5";

export interface ParsedArguments {
  arguments: Record<string, unknown>;
  error?: string | undefined;
}

/**
 * A tool call's streamed arguments → an object. Weak local models write single quotes or trailing
 * commas, which JSON5 forgives; anything else becomes an error the agent feeds back to the model.
 */
export function parseToolArguments(raw: string, toolName: string): ParsedArguments {
  const text = raw.trim();
  if (text === "") return { arguments: {} };
  if (text === TOO_DEEP_TEXT) return { arguments: {}, error: tooDeep(toolName) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (strictError) {
    try {
      value = JSON5.parse(text);
    } catch {
      const reason = strictError instanceof Error ? strictError.message : String(strictError);
      return { arguments: {}, error: `the arguments for ${toolName} are not valid JSON (${reason}): ${clip(text)}` };
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { arguments: {}, error: `the arguments for ${toolName} must be a JSON object, got: ${clip(text)}` };
  }
  if (nestedDeeperThan(value, MAX_ARGUMENT_DEPTH)) return { arguments: {}, error: tooDeep(toolName) };
  return { arguments: value as Record<string, unknown> };
}

/**
 * How deep a call's arguments may nest. No tool takes more than a few levels; arguments nested
 * thousands deep (a hostile or steered model) overflowed the stack wherever they were walked
 * recursively — JSON.stringify writing the session, the secret masking — and the turn failed as a
 * fault of the state dir (t22 #4). Past this they are malformed arguments the model is told of.
 */
export const MAX_ARGUMENT_DEPTH = 64;

/** What stands for arguments that came as an object too deep to write out (argumentsText): parseToolArguments reads it as that error. */
const TOO_DEEP_TEXT = `(arguments nested deeper than ${MAX_ARGUMENT_DEPTH} levels, not kept)`;

const tooDeep = (toolName: string): string => `the arguments for ${toolName} are nested deeper than ${MAX_ARGUMENT_DEPTH} levels; send a flat JSON object`;

/** Whether a parsed JSON value nests deeper than `limit` (walked without recursion: the value may be deeper than the stack). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if (next.value === null || typeof next.value !== "object") continue;
    if (next.depth > limit) return true;
    for (const child of Object.values(next.value)) if (child !== null && typeof child === "object") stack.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

/**
 * The text of a call's arguments that came as a value, not as text — a server's object (Ollama's and some
 * chat-completions servers' `function.arguments`), or the object of a call a model wrote in its text
 * (`<tool_call>{"name":…,"arguments":{…}}`). Every such value is written out here and nowhere else: too
 * deep to write out (JSON.stringify overflows the stack at a few thousand levels, and the turn failed as
 * the model's "stream-broken"), it becomes a note of that, never walked, which parseToolArguments reads
 * as the too-deep error the model is told of.
 */
export function argumentsText(value: unknown): string {
  if (typeof value === "string") return value;
  if (nestedDeeperThan(value, MAX_ARGUMENT_DEPTH)) return TOO_DEEP_TEXT;
  return JSON.stringify(value ?? {});
}

/** Arguments a server sends as an object (Ollama's `function.arguments`) → the text and the parsed call, as parseToolArguments reads text. */
export function argumentsOfObject(value: unknown, toolName: string): ParsedArguments & { raw: string } {
  const raw = argumentsText(value);
  return { raw, ...parseToolArguments(raw, toolName) };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/**
 * A call's arguments where an API takes them as an object (Anthropic's tool_use `input`, Ollama's
 * `arguments`). Arguments that were no JSON object (a model wrote them broken; a client replays them)
 * go as written under `arguments_as_written`, never as `{}`: the model reads what it called with. Not a
 * 400 either: a client replays its history as it stands, so a refusal would end every later request
 * of the conversation. (The OpenAI protocols take the arguments as a string and get the text itself.)
 */
export function argumentsObject(call: { arguments: Record<string, unknown>; rawArguments: string; argumentsError?: string | undefined }): Record<string, unknown> {
  return call.argumentsError === undefined ? call.arguments : { arguments_as_written: call.rawArguments };
}

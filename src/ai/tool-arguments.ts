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
  return { arguments: value as Record<string, unknown> };
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

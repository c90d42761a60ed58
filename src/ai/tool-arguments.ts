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

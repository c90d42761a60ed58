import type { ModelSpec } from "./model-spec.js";
import type { CallOptions, Context, ToolDefinition } from "./types.js";

/**
 * OpenAI's `allowed_tools` (CallOptions.allowedTools): the model may call only some of the tools it is
 * shown. OpenAI's own API takes it as it is, every tool shown — the prompt, and so its cache, stay the
 * same while the allowed set changes step by step. Any other server is shown the allowed tools alone:
 * what the model may call is the same, but the prompt its template renders from the tools changes with
 * the set (a local server then reads the conversation again, no prefix reused).
 */
export function takesAllowedTools(model: ModelSpec): boolean {
  if (model.api !== "openai-completions" && model.api !== "openai-responses") return false;
  try {
    return new URL(model.baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

/** The tools the request shows the model: all of them where the API takes allowed_tools, else those allowed alone. */
export function toolsShown(model: ModelSpec, context: Context, options: CallOptions | undefined): readonly ToolDefinition[] | undefined {
  const allowed = options?.allowedTools;
  if (allowed === undefined || context.tools === undefined || takesAllowedTools(model)) return context.tools;
  return context.tools.filter((tool) => allowed.includes(tool.name));
}

/** OpenAI's own API's choice for `allowed_tools`, in the endpoint's form; undefined where the tools shown carry it instead. */
export function allowedToolsChoice(model: ModelSpec, options: CallOptions | undefined, form: "chat" | "responses"): Record<string, unknown> | undefined {
  const allowed = options?.allowedTools;
  if (allowed === undefined || !takesAllowedTools(model)) return undefined;
  const mode = options?.toolChoice?.type === "required" ? "required" : "auto";
  if (form === "chat") return { type: "allowed_tools", allowed_tools: { mode, tools: allowed.map((name) => ({ type: "function", function: { name } })) } };
  return { type: "allowed_tools", mode, tools: allowed.map((name) => ({ type: "function", name })) };
}

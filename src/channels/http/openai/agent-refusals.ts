import type { ResponseFormat } from "../../../ai/types.js";
import { describe, isObject, RequestProblem, type Json } from "./request-problem.js";

/** What of a request would set an agent's own instructions or tools: the client's system prompt, tools and tool choice. */
export interface ClientSetup {
  /** The request's tools (none with `tool_choice: "none"`: the client offered none then). */
  tools: number;
  /** `tool_choice` as sent (undefined: absent). */
  toolChoice: unknown;
  /** Responses' `instructions`. */
  instructions?: string | undefined;
  /** `messages` (Chat) or `input` (Responses): a `system` or `developer` item among them is refused. */
  items: { field: "messages" | "input"; list: readonly Json[] | string };
}

/**
 * Agent mode answers with the agent's own system prompt and tools (its rules, its memory, its exec
 * policy): a client's `instructions`, `system`/`developer` messages and `tools` are refused with a 400
 * naming the field and pointing at proxy mode, never dropped without a word. Not appended to the
 * agent's prompt: a client's words there would sit beside the agent's own rules, and an agent cannot
 * hand a tool call back to the client.
 */
export function refuseClientSetup(setup: ClientSetup): void {
  const proxy = "or name a model (proxy mode, GET /v1/models) to send your own";
  if (setup.tools > 0) {
    throw new RequestProblem({ status: 400, message: `tools: an agent runs its own tools and cannot hand a tool call back to the client, so it takes no tools; leave them out, ${proxy}`, code: "unsupported_parameter", param: "tools" });
  }
  const choice = setup.toolChoice;
  if (choice !== undefined && choice !== null && choice !== "auto" && choice !== "none") {
    throw new RequestProblem({ status: 400, message: `tool_choice: an agent decides itself which of its own tools to call (run by hearth; no tool call goes back to the client), so it takes "auto" or "none", not ${choiceWords(choice)}; leave it out, or name a model (proxy mode, GET /v1/models) to choose among your own tools`, code: "unsupported_parameter", param: "tool_choice" });
  }
  if (setup.instructions !== undefined && setup.instructions.trim() !== "") {
    throw new RequestProblem({ status: 400, message: `instructions: an agent answers with its own system prompt (its config's), so it takes no instructions; leave them out, ${proxy}`, code: "unsupported_parameter", param: "instructions" });
  }
  const { field, list } = setup.items;
  if (typeof list === "string") return;
  const index = list.findIndex((item) => isObject(item) && (item.role === "system" || item.role === "developer"));
  if (index < 0) return;
  const role = String((list[index] as Json).role);
  throw new RequestProblem({ status: 400, message: `${field}[${index}]: an agent answers with its own system prompt (its config's), so it takes no ${role} message; leave it out, ${proxy}`, code: "unsupported_parameter", param: `${field}[${index}].role` });
}

/**
 * Structured output (`response_format`, `text.format`) in agent mode: refused. An agent's turn is
 * several model calls — each may call one of its tools — and a required JSON shape on every call would
 * keep it from calling them, while on the last one alone it cannot be known in advance which call is
 * the last. Proxy mode carries it.
 */
export function refuseFormatForAgent(format: ResponseFormat | undefined): void {
  if (format === undefined) return;
  throw new RequestProblem({
    status: 400,
    message: `${format.asked}: an agent's turn calls its own tools step by step, and a reply shape (${format.type}) required of every step would keep it from calling them; leave it out (ask for JSON in the message), or name a model (proxy mode, GET /v1/models) for a reply in that shape`,
    code: "unsupported_parameter",
    param: format.asked,
  });
}

/**
 * What the reply says of `tool_choice: "none"` sent to an agent: it keeps the request's own tools from
 * every model (as in proxy mode), and does not stop the agent calling its own. Undefined for any other.
 */
export function toolChoiceNote(toolChoice: unknown): string | undefined {
  if (toolChoice !== "none") return undefined;
  return 'tool_choice "none" applies to the request\'s own tools (they go to no model), not to the agent\'s: it still calls its own tools (run by hearth) as it needs them; name a model (proxy mode) for a reply that calls none';
}

/** A tool_choice as the refusal names it: "required", the function "x", or what the value is. */
function choiceWords(choice: unknown): string {
  if (choice === "required") return '"required"';
  const named = isObject(choice) && choice.type === "function" ? (isObject(choice.function) ? choice.function.name : choice.name) : undefined;
  if (typeof named === "string") return `a function to call ("${named}")`;
  return isObject(choice) && typeof choice.type === "string" ? `a choice of type "${choice.type}"` : describe(choice);
}

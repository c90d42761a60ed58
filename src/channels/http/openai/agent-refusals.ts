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
  /** `messages` (Chat) or `input` (Responses): its `system` and `developer` items are left out (see setupNotSent). */
  items: { field: "messages" | "input"; list: readonly Json[] | string };
}

/**
 * Agent mode runs the agent's own tools, and cannot hand a tool call back to the client: a request's
 * `tools`, and a `tool_choice` other than "auto" or "none", are refused with a 400 naming the field
 * and pointing at proxy mode — the client would wait for tool calls that never come.
 */
export function refuseClientSetup(setup: ClientSetup): void {
  if (setup.tools > 0) {
    throw new RequestProblem({ status: 400, message: "tools: an agent runs its own tools and cannot hand a tool call back to the client, so it takes no tools; leave them out, or name a model (proxy mode, GET /v1/models) to send your own", code: "unsupported_parameter", param: "tools" });
  }
  const choice = setup.toolChoice;
  if (choice !== undefined && choice !== null && choice !== "auto" && choice !== "none") {
    throw new RequestProblem({ status: 400, message: `tool_choice: an agent decides itself which of its own tools to call (run by hearth; no tool call goes back to the client), so it takes "auto" or "none", not ${choiceWords(choice)}; leave it out, or name a model (proxy mode, GET /v1/models) to choose among your own tools`, code: "unsupported_parameter", param: "tool_choice" });
  }
}

/**
 * What the reply says of the request's own system prompt — `instructions`, `system` and `developer`
 * messages — which an agent does not send (undefined: the request had none). The agent answers with
 * its config's system prompt (its rules, its memory, its exec policy): a client's words there would
 * sit beside those rules (prompt injection is the main risk for a local model, docs/security.md). The
 * request is answered all the same — editor assistants always send one — and is told what was left out.
 */
export function setupNotSent(setup: Pick<ClientSetup, "instructions" | "items">): string | undefined {
  const named: string[] = setup.instructions !== undefined && setup.instructions.trim() !== "" ? ["instructions"] : [];
  const { field, list } = setup.items;
  if (typeof list !== "string") {
    list.forEach((item, index) => {
      if (isObject(item) && (item.role === "system" || item.role === "developer")) named.push(`${field}[${index}] (${item.role})`);
    });
  }
  if (named.length === 0) return undefined;
  return `not sent on: ${named.join(", ")} — an agent answers with its own system prompt (its config's), not beside a client's; name a model (proxy mode, GET /v1/models) to send yours`;
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

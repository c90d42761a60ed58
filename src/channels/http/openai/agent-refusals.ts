import { isObject, RequestProblem, type Json } from "./request-problem.js";

/** What of a request would set an agent's own instructions or tools: the client's system prompt and tools. */
export interface ClientSetup {
  /** The request's tools (none with `tool_choice: "none"`: the client offered none then). */
  tools: number;
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

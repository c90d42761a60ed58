import type { AssistantMessage, Message, ToolCall } from "../../../ai/types.js";
import { badRequest } from "./request-problem.js";

/** One message of a client's history as hearth read it, with where the request holds it. */
export interface PlacedMessage {
  message: Message;
  /** `messages[3]`, `input[5]`: what an error names. */
  where: string;
  /** Where each tool call of an assistant message is (`messages[3].tool_calls[1]`, `input[6]`), in order. */
  callsAt?: readonly string[] | undefined;
}

/**
 * A client's tool history as every API takes it: each call of an assistant message answered by a tool
 * result before any other message, each result answering a call of the assistant message just before it.
 * Anthropic refuses anything else ("`tool_use` ids were found without `tool_result` blocks immediately
 * after", "unexpected `tool_use_id`"), as OpenAI does ("An assistant message with 'tool_calls' must be
 * followed by tool messages responding to each 'tool_call_id'") — only the client can fix it, so it is a
 * 400 naming the message and the call. A call whose id an earlier call of the history already had (two
 * answers' `call_0`, made by servers that number their calls) is sent under an id of its own, with its
 * result: Anthropic and OpenAI refuse duplicate ids, and which call a result answers is clear from where it is.
 */
export function pairToolHistory(placed: readonly PlacedMessage[], names: { resultId: string }): Message[] {
  const out: Message[] = [];
  const used = new Set<string>();
  /** The calls of the last assistant message not answered yet: the client's id → the id sent, and where the call is. */
  let open = new Map<string, { id: string; at: string }>();
  let openIn = "";
  const unanswered = (): void => {
    const [first] = open;
    if (!first) return;
    const [id, call] = first;
    const others = [...open.keys()].slice(1);
    const also = others.length > 0 ? ` (nor ${others.map((other) => JSON.stringify(other)).join(", ")})` : "";
    throw badRequest(call.at, `the tool call ${JSON.stringify(id)} of ${openIn} has no result${also}: each call of an assistant message needs its result (a ${names.resultId === "tool_call_id" ? "tool message" : "function_call_output item"} with its ${names.resultId}) before any other message — send the result, or leave the call out of the history`);
  };
  for (const { message, where, callsAt } of placed) {
    if (message.role === "tool-result") {
      const call = open.get(message.toolCallId);
      if (!call) throw badRequest(`${where}.${names.resultId}`, `${JSON.stringify(message.toolCallId)} answers no open tool call of the assistant message before it (a result follows its call, before any other message, and answers it once)`);
      open.delete(message.toolCallId);
      out.push(call.id === message.toolCallId ? message : { ...message, toolCallId: call.id });
      continue;
    }
    unanswered();
    if (message.role === "user") {
      out.push(message);
      continue;
    }
    open = new Map();
    openIn = where;
    let index = 0;
    const content = message.content.map((part): AssistantMessage["content"][number] => {
      if (part.type !== "tool-call") return part;
      const at = callsAt?.[index] ?? where;
      index += 1;
      if (open.has(part.id)) throw badRequest(at, `the tool call id ${JSON.stringify(part.id)} is given twice in ${where}: each call of a message needs its own id`);
      const id = used.has(part.id) ? freshId(part.id, used) : part.id;
      used.add(id);
      open.set(part.id, { id, at });
      return id === part.id ? part : ({ ...part, id } satisfies ToolCall);
    });
    out.push({ ...message, content });
  }
  unanswered();
  return out;
}

function freshId(id: string, used: ReadonlySet<string>): string {
  let n = 2;
  while (used.has(`${id}_${n}`)) n += 1;
  return `${id}_${n}`;
}

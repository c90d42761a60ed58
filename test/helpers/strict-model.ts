// A model server with a strict chat template (Mistral's, Gemma's): it refuses any conversation whose
// roles do not alternate user/assistant, exactly as llama.cpp and vLLM report the template's
// `raise_exception` — HTTP 400 with the template's own words.
import type { Handler, RecordedRequest, Reply } from "../fakes/fake-server.js";
import { scriptedModel, type Step, type Turn } from "./scripted-model.js";

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

const refusal: Reply = {
  kind: "json",
  status: 400,
  body: { error: { code: 400, message: "Conversation roles must alternate user/assistant/user/assistant/...", type: "invalid_request_error" } },
};

/**
 * Why this Chat Completions body breaks a strict template, or undefined when it does not: user and
 * assistant alternate, starting with the user; tool results come only after the assistant's tool
 * calls; the request ends with the user's message or tool results.
 */
export function roleProblem(body: { messages?: ChatMessage[] }): string | undefined {
  const messages = (body.messages ?? []).filter((message) => message.role !== "system");
  type Role = "none" | "user" | "assistant" | "calls" | "tool";
  let last = "none" as Role;
  for (const [index, message] of messages.entries()) {
    const role = message.role === "assistant" && (message.tool_calls?.length ?? 0) > 0 ? "calls" : message.role;
    const fine =
      role === "user" ? last === "none" || last === "assistant" || last === "tool" : role === "tool" ? last === "calls" || last === "tool" : last === "user" || last === "tool";
    if (!fine) return `message ${index}: ${role} after ${last}`;
    last = role as Role;
  }
  if (last !== "user" && last !== "tool") return `the request ends with ${last}, not the user's message`;
  return undefined;
}

/** `scriptedModel` for Chat Completions behind a strict template; `problems` collects every refusal. */
export function strictModel(decide: (turns: Turn[], request: RecordedRequest) => Step, problems: string[] = []): Handler {
  const answer = scriptedModel("openai-completions", decide);
  return (request) => {
    const problem = request.method === "POST" ? roleProblem(request.body as { messages?: ChatMessage[] }) : undefined;
    if (problem) {
      problems.push(problem);
      return refusal;
    }
    return answer(request);
  };
}

/** The user messages a Chat Completions request carried, in order. */
export function userTexts(request: RecordedRequest | undefined): string[] {
  const messages = ((request?.body as { messages?: ChatMessage[] } | undefined)?.messages ?? []).filter((message) => message.role === "user");
  return messages.map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content)));
}

// A model (chat completions) that writes words and calls `time`, then, given the tool's result, writes the rest.
import type { Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";

/** The whole answer, as a stream of the turn shows it. */
export const WORDS_AROUND_A_TOOL = "PART-ONE before the tool.\n\nPART-TWO final.";

export const wordsAroundATool: Handler = (request) => {
  if (request.method !== "POST") return { kind: "json", status: 404, body: { error: "no such endpoint" } };
  const messages = (request.body as { messages: { role: string }[] }).messages;
  const usage = { input: 30, output: 10 };
  return messages.at(-1)?.role === "tool"
    ? { kind: "sse", frames: completionsStream({ model: "m1", text: "PART-TWO final.", usage }) }
    : { kind: "sse", frames: completionsStream({ model: "m1", text: "PART-ONE before the tool.", toolCalls: [{ id: "call_t", name: "time", arguments: "{}" }], finishReason: "tool_calls", usage }) };
};

// t22 #4: a model (hostile, or steered by text it read) that calls a tool with arguments nested thousands
// of levels deep. They are malformed arguments — the model is told and answers — never a fault of the
// state dir: writing the call to the session overflowed the stack ("Maximum call stack size exceeded"),
// the turn failed as "cannot save session … set HEARTH_STATE_DIR", and WhatsApp retried it for 30 minutes.
// The real runtime (agent, router, session files) against a scripted server on 127.0.0.1, in the
// chat-completions form (arguments a string) and Ollama's (arguments an object inside the line).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

const DEPTH = 5_000;
const deepArguments = `{"action":"read","nest":${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}}`;

type Message = { role: string; content: unknown };
const lastOf = (body: unknown): Message | undefined => (body as { messages: Message[] }).messages.at(-1);

const completions: Handler = (request) => {
  if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
  return lastOf(request.body)?.role === "tool"
    ? { kind: "sse", frames: completionsStream({ model: "m1", text: `TOOL SAID: ${String(lastOf(request.body)?.content)}` }) }
    : { kind: "sse", frames: completionsStream({ model: "m1", toolCalls: [{ id: "call_deep", name: "memory", arguments: deepArguments }] }) };
};

const ollamaLine = (message: string, done = false): string => `{"model":"m1","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant",${message}},"done":${done}${done ? ',"done_reason":"stop","prompt_eval_count":10,"eval_count":5' : ""}}\n`;
const ollama: Handler = (request) => {
  if (request.path !== "/api/chat") return { kind: "json", status: 404, body: { error: "no such endpoint" } };
  const last = lastOf(request.body);
  return last?.role === "tool"
    ? { kind: "raw", headers: { "content-type": "application/x-ndjson" }, chunks: [ollamaLine(`"content":${JSON.stringify(`TOOL SAID: ${String(last.content)}`)}`), ollamaLine('"content":""', true)] }
    : { kind: "raw", headers: { "content-type": "application/x-ndjson" }, chunks: [ollamaLine(`"content":"","tool_calls":[{"function":{"name":"memory","arguments":${deepArguments}}}]`), ollamaLine('"content":""', true)] };
};

// Review s27 #8: the same arguments where they are written out from an object — a chat-completions server that sends
// `function.arguments` as an object, and a model without native tool calls that writes the call in its text.
const toolReply = (request: Parameters<Handler>[0]): ReturnType<Handler> | undefined => {
  if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
  const last = lastOf(request.body);
  return last?.role === "tool" ? { kind: "sse", frames: completionsStream({ model: "m1", text: `TOOL SAID: ${String(last.content)}` }) } : undefined;
};
const chunk = (delta: unknown, finish: string | null = null): { data: string } => ({
  data: JSON.stringify({ id: "chatcmpl-deep", object: "chat.completion.chunk", created: 0, model: "m1", choices: [{ index: 0, delta, finish_reason: finish }] }),
});
const objectArguments: Handler = (request) => {
  const reply = toolReply(request);
  if (reply) return reply;
  // Written by hand: JSON.stringify could not write these arguments (the overflow under test).
  const call = `{"index":0,"id":"call_deep","type":"function","function":{"name":"memory","arguments":${deepArguments}}}`;
  const first = chunk({ role: "assistant", tool_calls: ["CALL"] }).data.replace('"CALL"', call);
  return { kind: "sse", frames: [{ data: first }, chunk({}, "tool_calls"), { data: "[DONE]" }] };
};
const textCall: Handler = (request) => toolReply(request) ?? { kind: "sse", frames: completionsStream({ model: "m1", text: `<tool_call>{"name":"memory","arguments":${deepArguments}}</tool_call>`, chunkSize: 4_000 }) };

for (const [api, handler, base, name] of [
  ["openai-completions", completions, "/v1", "openai-completions"],
  ["ollama", ollama, "", "ollama"],
  ["openai-completions", objectArguments, "/v1", "openai-completions, arguments as an object"],
  ["openai-completions", textCall, "/v1", "a call written in the text"],
] as const) {
  test(`${name}: arguments nested ${DEPTH} levels deep go back to the model as malformed; the turn answers and is saved`, async () => {
    const server = await startFakeServer(handler);
    closers.push(() => server.close());
    const stateDir = join(temp.dir, name.replace(/[^a-z]+/g, "-"));
    const gateway = await agentGateway(`{ agents: { defaults: { model: "local/m1" } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.url}${base}", api: "${api}", models: [{ id: "m1", contextWindow: 32768, maxTokens: 512 }] } } } }`, stateDir);
    closers.push(() => gateway.close());
    const handled = await gateway.handle({ channel: "cli", session: `deep-${api}`, text: "read your notes" });
    assert.equal(handled.kind, "turn");
    if (handled.kind !== "turn") return;
    assert.equal(handled.result.ok, true, handled.result.ok ? "" : handled.result.error);
    if (!handled.result.ok) return;
    assert.match(handled.result.text, /TOOL SAID: The arguments of memory could not be read: the arguments for memory are nested deeper than \d+ levels/);
    const saved = readFileSync(join(stateDir, "sessions", `deep-${api}.jsonl`), "utf8");
    assert.match(saved, /nested deeper than/);
  });
}

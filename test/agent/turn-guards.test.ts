import assert from "node:assert/strict";
import { test } from "node:test";
import { budgetFor } from "../../src/agent/context-budget.js";
import { KnownWindows } from "../../src/agent/context-windows.js";
import { summarySizes } from "../../src/agent/compactor.js";
import { messageRooms, oversizeRefusal } from "../../src/agent/message-size.js";
import { ToolLoopGuard } from "../../src/agent/tool-loop-guard.js";
import { turnFailureCause } from "../../src/agent/turn-failure.js";
import { classifyHttpFailure } from "../../src/ai/classify-failure.js";
import { overflowLimit } from "../../src/ai/server-window.js";
import type { ToolCall } from "../../src/ai/types.js";
import { anthropicPromptTooLong, llamaCppNKeep, lmstudioOverflow, openaiContextLengthExceeded, vllmOverflow } from "../fakes/error-bodies.js";
import type { Reply } from "../fakes/fake-server.js";
import { modelSpec } from "../ai/adapter-contract.js";

const failureOf = (reply: Reply) => classifyHttpFailure(reply.kind === "json" ? (reply.status ?? 200) : 200, reply.kind === "json" ? JSON.stringify(reply.body) : "", {}, "POST /v1/x");

test("an overflow message that names the real window gives it; one that names none gives nothing", () => {
  const llamaCpp: Reply = { kind: "json", status: 400, body: { error: { code: 400, message: "request (1060 tokens) exceeds the available context size (1024 tokens), try increasing it", type: "exceed_context_size_error" } } };
  assert.equal(overflowLimit(failureOf(llamaCpp)), 1_024);
  assert.equal(overflowLimit(failureOf(lmstudioOverflow)), 4_096);
  assert.equal(overflowLimit(failureOf(llamaCppNKeep)), 4_096);
  assert.equal(overflowLimit(failureOf(vllmOverflow)), 32_768);
  assert.equal(overflowLimit(failureOf(openaiContextLengthExceeded)), 128_000);
  assert.equal(overflowLimit(failureOf(anthropicPromptTooLong)), 200_000);
  assert.equal(overflowLimit({ kind: "context-overflow", message: "Your input exceeds the context window of this model." }), undefined);
  assert.equal(overflowLimit({ kind: "bad-request", message: "maximum context length is 10 tokens" }), undefined, "only overflows teach a window");
});

test("the effective window is the smallest known: configured, server-loaded, learned from an overflow", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { contextWindow: 4_096, maxTokens: 256, local: true });
  const server: { loaded: number | undefined } = { loaded: undefined };
  const windows = new KnownWindows({ knownContext: () => server.loaded, isLoaded: async () => true });
  assert.equal(windows.known(model), undefined);
  server.loaded = 2_048;
  assert.equal(windows.known(model), 2_048);
  windows.learn(model, 1_024);
  assert.equal(windows.known(model), 1_024);
  windows.learn(model, 3_000);
  assert.equal(windows.known(model), 1_024, "a larger number never raises what was learned");
  assert.equal(windows.known({ ...model, baseUrl: "http://127.0.0.1:2/v1" }), 2_048, "learned per replica");
  assert.equal(budgetFor(model, windows.known(model), 16_384).window, 1_024);
});

test("the reply limit never exceeds the model's maxTokens (that is what the request carries)", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { contextWindow: 32_768, maxTokens: 128 });
  assert.equal(budgetFor(model, undefined, 16_384).replyTokens, 128);
});

test("a summary request fits the summariser's window: its reply limit, the summary so far and the chunk", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { contextWindow: 4_096, maxTokens: 8_192 });
  const sizes = summarySizes(budgetFor(model, 1_024, 16_384), model, undefined);
  assert.equal(sizes.replyTokens, 256);
  assert.ok(sizes.chunkTokens + 2 * sizes.replyTokens + 100 <= 1_024, JSON.stringify(sizes));
});

test("a message is refused only when it fits no candidate's window", () => {
  const small = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { ref: "a/small", contextWindow: 8_192, maxTokens: 1_024 });
  const big = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { ref: "b/big", contextWindow: 65_536, maxTokens: 1_024 });
  const rooms = messageRooms(
    [small, big].map((model) => ({ model, budget: budgetFor(model, undefined, 16_384) })),
    { systemPrompt: "S".repeat(400) },
  );
  assert.equal(rooms[0]?.model.ref, "b/big");
  assert.equal(oversizeRefusal("x".repeat(100_000), rooms), undefined, "too large for the small one, fine for the big one");
  assert.equal(
    oversizeRefusal("x".repeat(400_000), rooms),
    "the message is too large: about 100,000 tokens, and the largest window in the chain (b/big, 65,536 tokens) leaves about 57,859 for a message after the system prompt and tools (100), the reply (1,024) and the reserve (6,553). Split it, or attach it as a file. Nothing was sent.",
  );
});

test("the loop guard: the third identical call (key order aside) is stopped; different arguments are not", () => {
  const call = (args: Record<string, unknown>): ToolCall => ({ type: "tool-call", id: "c", name: "web_fetch", arguments: args, rawArguments: JSON.stringify(args) });
  const guard = new ToolLoopGuard(3);
  assert.equal(guard.repeated(call({ url: "http://a", max: 1 })), false);
  assert.equal(guard.repeated(call({ url: "http://b", max: 1 })), false);
  assert.equal(guard.repeated(call({ max: 1, url: "http://a" })), false);
  assert.equal(guard.repeated(call({ url: "http://a", max: 1 })), true);
});

test("a turn's failure cause: cancelled, a fault when its route broke on one, permanent when every candidate would fail again, else transient", () => {
  const neither = { cancelled: false, fault: false };
  const cancelled = { cancelled: true, fault: false };
  assert.equal(turnFailureCause(["unreachable"], cancelled), "cancelled");
  assert.equal(turnFailureCause(["aborted"], neither), "cancelled");
  assert.equal(turnFailureCause(["bad-request"], neither), "permanent");
  assert.equal(turnFailureCause(["context-overflow", "skipped-context"], neither), "permanent");
  assert.equal(turnFailureCause([], neither), "permanent", "no candidate at all");
  assert.equal(turnFailureCause(["unreachable", "context-overflow"], neither), "transient", "the local server may come back with room");
  assert.equal(turnFailureCause(["overloaded"], neither), "transient");
  assert.equal(turnFailureCause(["context-overflow", "skipped-no-key", "skipped-no-key"], neither), "permanent", "keyless hosted fallbacks could not be called: the overflow would recur");
  assert.equal(turnFailureCause(["skipped-no-key"], neither), "transient", "nothing could be called: a key fixes it");
  // A route broken by a fault in hearth has no attempts of its own: not "no candidate at all" (permanent), nor the models' doing.
  assert.equal(turnFailureCause([], { cancelled: false, fault: true }), "fault");
  assert.equal(turnFailureCause(["unreachable"], { cancelled: false, fault: true }), "fault", "whatever the attempts were");
  assert.equal(turnFailureCause([], { cancelled: true, fault: true }), "cancelled", "the user had stopped it");
});

test("a window the fixed part alone fills: the refusal names the server's context, the parts and the fix; tools not sent are not charged", () => {
  const model = modelSpec("openai-completions", "http://127.0.0.1:1/v1", { ref: "local/m", contextWindow: 2_048, maxTokens: 48 });
  const tools = [{ name: "exec", description: "D".repeat(800), parameters: { type: "object" } }];
  const budget = budgetFor(model, 256, 16_384);
  const charged = messageRooms([{ model, budget }], { systemPrompt: "S".repeat(400), tools });
  assert.equal(charged[0]?.room, 0);
  assert.match(
    oversizeRefusal("hi", charged) ?? "",
    /^local\/m cannot take any message: the server runs local\/m with 256 tokens of context \(contextWindow says 2,048\), and the fixed part alone fills it — the system prompt about 100 tokens, the tools 206, the message 1, the reply 48 and the reserve 25\. Fix: restart the server with 2,048 tokens of context, or send less \(fewer tools.*Nothing was sent\.$/,
  );
  // A server that said it is llama.cpp (its /props) is told its own flag, and only it.
  const llama = messageRooms([{ model, budget, kind: "llamacpp" }], { systemPrompt: "S".repeat(400), tools });
  assert.match(oversizeRefusal("hi", llama) ?? "", /Fix: restart the server with a larger context \(llama\.cpp: -c 2048\), or send less/);
  const toolsOff = messageRooms([{ model, budget, toolsOff: true }], { systemPrompt: "S".repeat(400), tools });
  assert.equal(toolsOff[0]?.room, 256 - 48 - 25 - 100);
  assert.equal(oversizeRefusal("hi", toolsOff), undefined, "the tools are not sent to it: the message fits");
  // The server's tokenizer counts three tokens where the estimate says one: the system prompt alone fills it.
  assert.match(oversizeRefusal("hi", messageRooms([{ model, budget, toolsOff: true, ratio: 3 }], { systemPrompt: "S".repeat(400), tools })) ?? "", /the system prompt about 300 tokens, no tools, the message 3/);
});

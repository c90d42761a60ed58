// The adapters write a kept history's request bodies byte for byte as they write the same messages without one, turn after turn, when the history changes too.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { Api } from "../../src/ai/api.js";
import { createOllamaAdapter } from "../../src/ai/providers/ollama/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import type { AdapterDependencies, ProviderAdapter } from "../../src/ai/adapter.js";
import type { AssistantMessage, Context, Message } from "../../src/ai/types.js";
import { modelSpec, run } from "./adapter-contract.js";

const bodies: string[] = [];
const server: Server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    bodies.push(Buffer.concat(chunks).toString("utf8"));
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "no such model" } }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
after(() => server.close());

const reply = (text: string, calls = false): AssistantMessage => ({
  role: "assistant",
  content: calls ? [{ type: "text", text }, { type: "tool-call", id: `call-${text.length}`, name: "time", arguments: {}, rawArguments: "{}" }] : [{ type: "text", text }],
  api: "openai-completions",
  model: "test/model-x",
  usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
  stopReason: calls ? "tool-use" : "stop",
  cost: 0,
});

/** A session's views, turn by turn: it grows, a turn is left out (it failed), then it is compacted. */
function views(): Message[][] {
  const turns: Message[][] = [];
  for (let turn = 0; turn < 40; turn++) {
    const calls = turn % 7 === 3;
    turns.push([
      { role: "user", content: turn % 5 === 0 ? [{ type: "text", text: `look ${turn} — «Grüße»` }, { type: "image", mediaType: "image/png", data: "iVBORw0KGgo" }] : `turn ${turn}: tell me more 🚀` },
      reply(`answer ${turn} "quoted" \\ \u2028`, calls),
      ...(calls ? [{ role: "tool-result" as const, toolCallId: `call-${`answer ${turn} "quoted" \\ \u2028`.length}`, toolName: "time", content: "noon", isError: false }] : []),
    ]);
  }
  const out: Message[][] = [];
  for (let upTo = 1; upTo <= 40; upTo++) out.push(turns.slice(0, upTo).flat().map((message) => (message.role === "user" ? { ...message } : message)));
  const failed = [...turns.slice(0, 20), ...turns.slice(21)].flat();
  out.push(failed, [...failed, { role: "user", content: "and now?" }]);
  const compacted: Message[] = [{ role: "user", content: "[Summary] the earlier turns" }, ...turns.slice(25).flat()];
  out.push(compacted, compacted.map((message) => (message.role === "user" ? { ...message } : message)));
  return out;
}

const adapters: [Api, (dependencies: AdapterDependencies) => ProviderAdapter][] = [
  ["openai-completions", createOpenAICompletionsAdapter],
  ["ollama", createOllamaAdapter],
  ["openai-responses", createOpenAIResponsesAdapter],
];

for (const [api, create] of adapters) {
  test(`${api}: the bodies of a kept history are the bodies of the same messages sent without one, also after it was let go of`, async () => {
    const http = new HttpClient({});
    const kept = create({ http });
    const fresh = create({ http });
    const model = modelSpec(api, api === "ollama" ? baseUrl.replace(/\/v1$/, "") : baseUrl, { input: ["text", "image"] });
    const key = {};
    for (const [index, messages] of views().entries()) {
      const context: Context = { systemPrompt: "You are terse.", messages };
      // The gateway gone quiet now and then (also right before the turn left out and before the compaction): the history is serialised anew.
      if ([12, 25, 40, 42].includes(index)) kept.releaseMemory?.();
      bodies.length = 0;
      await run(kept, model, { ...context, history: key });
      const sent = [...bodies];
      bodies.length = 0;
      await run(fresh, model, context);
      assert.ok(sent.length > 0, `view ${index}: a request was sent`);
      assert.deepEqual(sent, bodies, `view ${index}`);
    }
    assert.equal(typeof kept.releaseMemory, "function", "the adapter can let go of its kept histories");
  });
}

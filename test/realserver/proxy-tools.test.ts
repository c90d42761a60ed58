// Proxy mode and a client's tools: the real llama-server's stories260K has no tool-capable chat template
// (its /props says so, and it would drop the tools without an error). Named by the client, it answers
// without them, the reply saying so (x-hearth-notice) — never moved to a fallback for the tools; a tool
// call demanded of it (tool_choice "required") is refused with a 400 naming the model, why and the fix.
// Without tools, or with tool_choice "none", it answers as before.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

const tools = [{ type: "function", function: { name: "get_time", description: "The current time", parameters: { type: "object", properties: {} } } }];

describe("proxy mode: a client's tools and a model that cannot take them", () => {
  let server: RealServer;
  let toolCapable: FakeServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 2048 });
    toolCapable = await startLlamaCpp({ alias: "tooled", nCtx: 8192, supportsTools: true, parameters: 32_000_000_000, completions: () => ({ kind: "sse", frames: completionsStream({ text: "from the tool-capable one", usage: { input: 1, output: 1 } }) }) });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
    await toolCapable.close();
  });

  const ask = async (url: string, body: Record<string, unknown>) => {
    const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "llama/stories260k", max_tokens: 8, messages: [{ role: "user", content: "Once upon a time" }], ...body }) });
    return { status: response.status, notice: decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), attempts: JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as { model: string; outcome: string }[], body: (await response.json()) as { error?: { message: string; code: string }; choices?: { message: { content: string } }[] } };
  };

  test("no model can take them: 400 tools_unsupported naming the model and why; tool_choice none and no tools answer", async () => {
    const file = temp.write("alone.json5", realConfig(server));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "alone") });
    try {
      const refused = await ask(gateway.url, { tools, tool_choice: "required" });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error?.code, "tools_unsupported");
      assert.match(refused.body.error?.message ?? "", /^the request's tool_choice asks for a tool call, and llama\/stories260k, the model it names, cannot use tools \(its server says its chat template cannot render tools/);
      assert.deepEqual(refused.attempts.map((attempt) => attempt.outcome), ["skipped-tools"]);
      const none = await ask(gateway.url, { tools, tool_choice: "none" });
      assert.equal(none.status, 200, JSON.stringify(none.body));
      const plain = await ask(gateway.url, {});
      assert.equal(plain.status, 200, JSON.stringify(plain.body));
    } finally {
      await gateway.stop();
    }
  });

  test("a fallback that can take them is not asked: the named model answers without the tools, said; a demanded tool call is a 400", async () => {
    const file = temp.write(
      "fallback.json5",
      `{ agents: { defaults: { model: { primary: "llama/${server.alias}", fallbacks: ["spare/tooled"] } } },
         models: { mode: "replace", providers: {
           llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "${server.alias}", contextWindow: 2048, maxTokens: 48 }] },
           spare: { baseUrl: "${toolCapable.baseUrl}", api: "openai-completions", models: [{ id: "tooled", contextWindow: 8192, maxTokens: 48 }] } } } }`,
    );
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "fallback") });
    try {
      const answered = await ask(gateway.url, { tools });
      assert.equal(answered.status, 200, JSON.stringify(answered.body));
      assert.notEqual(answered.body.choices?.[0]?.message.content, "from the tool-capable one");
      assert.deepEqual(answered.attempts.map((attempt) => [attempt.model, attempt.outcome]), [["llama/stories260k", "ok"]]);
      assert.match(answered.notice, /^llama\/stories260k cannot use tools \(its server says its chat template cannot render tools.*\): it answered without the request's tools — name a model that supports tools to have them called$/);
      const demanded = await ask(gateway.url, { tools, tool_choice: "required" });
      assert.equal(demanded.status, 400, JSON.stringify(demanded.body));
      assert.equal(demanded.body.error?.code, "tools_unsupported");
      assert.equal(toolCapable.requests.filter((request) => request.method === "POST").length, 0, "nothing went to the fallback for the tools");
    } finally {
      await gateway.stop();
    }
  });
});

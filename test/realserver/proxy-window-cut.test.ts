// Proxy mode against the real llama-server run with a 1,024-token context (t9 #8): a ~1,000-token message
// with max_tokens 100 gets 13-odd tokens before the window is full, and finish_reason "length". The reply
// says that the context window cut it — x-hearth-notice, and the stream's `: hearth:` comment — in agent
// mode's words (src/agent/cut-off-note.ts), not left to read as the client's own max_tokens.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("proxy mode: an answer the real server's context window cut", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 1024 });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("says so with the numbers, whole and streamed; finish_reason stays length", async () => {
    const message = Array.from({ length: 120 }, (_, index) => `The fox ${index}.`).join(" ");
    // The config says more than the server serves, as the brief's config does beside a small server.
    const file = temp.write("hearth.json5", realConfig(server, { contextWindow: 196608, maxTokens: 8192 }));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    try {
      const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
      const said = /^the answer was cut off at the model's context window: the prompt \((\d+) tokens\) and the answer \((\d+)\) filled its 1024, below the reply limit \(100\); send fewer or shorter messages, or load the model with a larger context$/;
      const { data, response } = await client.chat.completions.create({ model: `llama/${server.alias}`, max_tokens: 100, messages: [{ role: "user", content: message }] }).withResponse();
      assert.equal(data.choices[0]?.finish_reason, "length");
      const notice = decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
      const numbers = said.exec(notice);
      assert.ok(numbers, notice);
      assert.equal(Number(numbers[1]) + Number(numbers[2]), 1024);
      assert.equal(Number(numbers[2]), data.usage?.completion_tokens);
      const streamed = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: `llama/${server.alias}`, max_tokens: 100, stream: true, messages: [{ role: "user", content: message }] }) });
      const comment = (await streamed.text()).split("\n").find((line) => line.startsWith(": hearth: the answer was cut off"));
      assert.match(comment?.slice(": hearth: ".length) ?? "", said);
    } finally {
      await gateway.stop();
    }
  });
});

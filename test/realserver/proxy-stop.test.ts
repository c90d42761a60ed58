// Proxy mode carries `stop` (and `seed`) to the real llama-server: a proxied request stops where the
// same request sent straight to llama-server stops, with the same text and finish reason (the trial
// found hearth dropping `stop`: the proxied answer ran on past the period to its length limit).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("proxy mode: stop reaches the real llama-server", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 2048 });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("a proxied request with stop [\".\"] ends where llama-server's own does: the same text, finish_reason stop", async () => {
    const request = { messages: [{ role: "user" as const, content: "Once upon a time" }], stop: ["."], max_tokens: 60, temperature: 0, seed: 1 };
    const direct = await new OpenAI({ baseURL: server.baseUrl, apiKey: "x", maxRetries: 0 }).chat.completions.create({ model: server.alias, ...request });
    assert.equal(direct.choices[0]?.finish_reason, "stop", "the tiny model writes a period within 60 tokens straight from llama-server");
    const file = temp.write("hearth.json5", realConfig(server, { maxTokens: 60 }));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    try {
      const proxied = await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 }).chat.completions.create({ model: `llama/${server.alias}`, ...request });
      assert.equal(proxied.choices[0]?.finish_reason, "stop");
      assert.equal(proxied.choices[0]?.message.content, direct.choices[0]?.message.content);
      assert.doesNotMatch(proxied.choices[0]?.message.content ?? "", /\./);
    } finally {
      await gateway.stop();
    }
  });
});

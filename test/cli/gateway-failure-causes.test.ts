import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import OpenAI from "openai";
import { refusedUrl, startFakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

// A new user's trial (issue 11): the local server down, a hosted fallback with a wrong key. The real
// `hearth gateway` tells an OpenAI client why each model failed, and `hearth logs` says it too — the
// key masked, the message's text in neither.

const KEY = "sk-hearth-wrong-key-0123456789abcdef";
const temp = tempDir();
after(() => temp.cleanup());

test("the real gateway: the API error and `hearth logs` name each model's cause, as `hearth agent` does", { timeout: 60_000 }, async () => {
  const hosted = await startFakeServer((request) => ({
    kind: "json",
    status: 401,
    body: { error: { message: `Incorrect API key provided: ${String(request.headers.authorization).replace(/^Bearer /, "")}.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
  }));
  const file = temp.write(
    "hearth.json5",
    `{
      agents: { defaults: { model: { primary: "local/m", fallbacks: ["hosted/big"] } } },
      models: { mode: "replace", providers: {
        local: { baseUrl: "${await refusedUrl()}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
        hosted: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "big", contextWindow: 128000, maxTokens: 1024 }] },
      } },
    }`,
  );
  const state = join(temp.dir, "state");
  const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
  try {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "none", maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "plan the picnic" }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 502);
      assert.match(error.message, /local\/m: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused: nothing is listening there/);
      assert.match(error.message, /hosted\/big: auth — POST \/v1\/chat\/completions answered 401: Incorrect API key provided: \*\*\*\./);
      assert.doesNotMatch(JSON.stringify(error.error), /0123456789abcdef|plan the picnic/);
      return true;
    });
    // The request's line is written once its response has gone out: read until it is there.
    let logs = { stdout: "", stderr: "" };
    let line: string | undefined;
    for (let reads = 0; reads < 20 && !line; reads++) {
      logs = await runCli(["logs", "--json"], { env: { HEARTH_STATE_DIR: state, HOME: "/nonexistent-home" } });
      line = logs.stdout.split("\n").find((text) => text.includes('"path":"/v1/chat/completions"'));
    }
    assert.ok(line, logs.stdout + logs.stderr);
    const fields = JSON.parse(line) as { failed?: string; replies?: number };
    assert.equal(fields.replies, 0);
    assert.match(fields.failed ?? "", /^local\/m: unreachable — cannot reach 127\.0\.0\.1:\d+: connection refused.*; hosted\/big: auth — POST \/v1\/chat\/completions answered 401: Incorrect API key provided: \*\*\*\.$/);
    assert.doesNotMatch(line, /0123456789abcdef|plan the picnic/);
  } finally {
    await gateway.stop();
    await hosted.close();
  }
});

// t18 #1 against the real llama-server: `models status --probe` said hearth "does not speak api
// anthropic-messages" to llama.cpp (exit 1) while the gateway answered through it. The real server
// serves Anthropic's POST /v1/messages (with and without /v1 in baseUrl, hearth's adapter reaches it):
// the probe asks it, and a turn through that api is answered.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { realConfig, type AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("api anthropic-messages against the real llama-server", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer();
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  for (const withV1 of [true, false]) {
    test(`baseUrl ${withV1 ? "with" : "without"} /v1: the probe finds nothing wrong with the api, and a turn is answered through it`, async () => {
      const text = realConfig(server, { api: "anthropic-messages" });
      const file = temp.write(`c-${withV1}.json5`, withV1 ? text : text.replace(`baseUrl: "${server.baseUrl}"`, `baseUrl: "${server.url}"`));
      const env = { HEARTH_STATE_DIR: join(temp.dir, `state-${withV1}`), HEARTH_GATEWAY_URL: "http://127.0.0.1:9" };
      const status = await runCli(["models", "status", "--probe", "--config", file], { env });
      assert.doesNotMatch(status.stdout, /does not speak|other-server|✗ error/, status.stdout);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      const turn = await runCli(["agent", "--config", file, "--json", "--message", "Once upon a time"], { env });
      assert.equal(turn.code, 0, turn.stdout + turn.stderr);
      const answer = JSON.parse(turn.stdout) as AgentJson;
      assert.equal(answer.model, `llama/${server.alias}`);
      assert.ok(answer.text.length > 0);
    });
  }
});

// `models discover --write` and `init --url` against a real llama-server started with `-m /path/model.gguf`
// and no --alias: it lists the GGUF path as the model's id. The ref is the file's stem
// (llamacpp/stories260K), a key an API client can type; the id sent upstream stays the server's own.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import json5 from "json5";
import { readFileSync } from "node:fs";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realServerModel, startRealServer, type RealServer } from "./real-server.js";

describe("a llama-server that lists its GGUF path as the model id", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    // No --alias: the listing's id is the path, as the user's `llama-server -m …` has it.
    server = await startRealServer({ ctx: 2048, alias: realServerModel() });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("init --url, then discover --write: the ref is the file's stem, the id the server's path; the stem answers through the API", async () => {
    const home = join(temp.dir, "home");
    const env = { HOME: home, HEARTH_STATE_DIR: join(temp.dir, "state") };
    const init = await runCli(["init", "--url", server.url], { env });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /makes llamacpp\/stories260K the primary/);
    const write = await runCli(["models", "discover", "--url", server.url, "--write"], { env });
    assert.equal(write.code, 0, write.stderr);
    assert.match(write.stdout, /set agents\.defaults\.model\.primary to "llamacpp\/stories260K"/);
    const file = join(home, ".hearth", "hearth.json5");
    const config = json5.parse(readFileSync(file, "utf8")) as { agents: { defaults: { model: { primary: string } } }; models: { providers: { llamacpp: { models: { id: string; key?: string }[] } } } };
    assert.equal(config.agents.defaults.model.primary, "llamacpp/stories260K");
    assert.deepEqual((config.agents.defaults as { models?: Record<string, { alias?: string }> }).models?.["llamacpp/stories260K"], { alias: "stories260K" });
    assert.deepEqual(config.models.providers.llamacpp.models.map((model) => [model.id, model.key]), [[realServerModel(), "stories260K"]]);
    const status = await runCli(["models", "status", "--probe", "--json"], { env });
    const [entry] = (JSON.parse(status.stdout) as { chain: { ref: string; listed: boolean | null }[] }).chain;
    assert.deepEqual([entry?.ref, entry?.listed], ["llamacpp/stories260K", true], "the server lists the id hearth sends");
    const gateway = await startGateway([], env);
    try {
      for (const model of ["llamacpp/stories260K", "stories260K"]) {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: "user", content: "Once upon a time" }] }) });
        assert.equal(response.status, 200, `${model}: ${await response.clone().text()}`);
        assert.equal(((await response.json()) as { model: string }).model, "llamacpp/stories260K");
      }
    } finally {
      await gateway.stop();
    }
  });
});

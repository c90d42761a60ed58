// The adversarial run's case through the real bin/hearth: a message that mentions a think tag, echoed
// back by the model, reaches the user whole on every protocol.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Api } from "../../src/ai/api.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  temp.cleanup();
  await Promise.all(servers.map((server) => server.close()));
});

for (const api of ["openai-responses", "openai-completions", "anthropic-messages"] as const satisfies readonly Api[]) {
  test(`${api}: agent --message 'tags <think> OPEN-KEPT' prints the whole echo`, async () => {
    const server = await startFakeServer(scriptedModel(api, (turns) => ({ text: `ECHO[A] ${lastUser(turns)}` })));
    servers.push(server);
    const baseUrl = api === "anthropic-messages" ? server.url : server.baseUrl;
    const file = temp.write(`${api}.json5`, `{
      agents: { defaults: { model: { primary: "local/m" } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "${api}", models: [{ id: "m", reasoning: false }] } } },
    }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, api) };
    const plain = await runCli(["agent", "--config", file, "--message", "tags <think> OPEN-KEPT"], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, "ECHO[A] tags <think> OPEN-KEPT\n");
    const json = await runCli(["agent", "--config", file, "--json", "--message", "The tag </think> closes a reasoning block. END-KEPT"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { text: string }).text, "ECHO[A] The tag </think> closes a reasoning block. END-KEPT");
  });
}

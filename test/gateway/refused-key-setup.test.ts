// A refused key, told truthfully (t15 #1, #9): with the local server down and the hosted fallback's key refused
// (from ~/.hearth/gateway.env), the setup line said "until a local model answers, turns go to the hosted …" while
// every turn failed; the provider card forgot the refusal once its 15 s cooldown ended, and a local card said "up"
// under a banner saying its server was gone. Real runtime, a real fake Anthropic answering 401 on 127.0.0.1, a real
// gateway.env, a manual clock to pass the cooldown.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { collect } from "../../src/shared/event-stream.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { ManualClock } from "../helpers/manual-clock.js";

const temp = tempDir();
after(() => temp.cleanup());

test("the local server down and the fallback's key refused: the setup says no model can answer with both fixes (the key's file named), and so does the card, past the cooldown; a local card follows the setup check", async () => {
  const anthropic = await startFakeServer(() => ({ kind: "json", status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } } }));
  const local = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", status: 200, body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "sse", frames: completionsStream({ text: "once upon a time", usage: { input: 3, output: 4 } }) }));
  const home = join(temp.dir, "home");
  mkdirSync(join(home, ".hearth"), { recursive: true });
  writeFileSync(join(home, ".hearth", "gateway.env"), "ANTHROPIC_API_KEY=sk-ant-api03-FAKE0123456789\n", { mode: 0o600 });
  const file = join(home, ".hearth", "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "llama/m", fallbacks: ["anthropic/claude-sonnet-4-5"] }, models: { "llama/m": { alias: "Story" } } } },
       models: { mode: "merge", providers: {
         llama: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 4096, maxTokens: 64 }] },
         anthropic: { baseUrl: "${anthropic.url}" } } } }`,
  );
  const clock = new ManualClock(Date.now());
  const runtime = await createRuntime({ env: { HOME: home, HEARTH_STATE_DIR: join(home, "state") }, cwd: home, home, config: file, clock });
  try {
    // The local model answers: its card is up.
    const answered = await collect(runtime.gateway.proxy({ model: "Story", context: { messages: [{ role: "user", content: "hi" }] } }));
    assert.ok(answered.some((event) => event.type === "route-end"));
    await runtime.gateway.checkSetup();
    assert.equal(runtime.gateway.health().find((health) => health.provider === "llama")?.state, "up");

    // Its server goes away: the card follows the setup check, as the banner does.
    await local.close();
    const before = await runtime.gateway.checkSetup();
    assert.match(before[0] ?? "", /; until a local model answers, turns go to the hosted anthropic\/claude-sonnet-4-5$/, "not known yet: the fallback may answer");
    assert.equal(runtime.gateway.health().find((health) => health.provider === "llama")?.state, "down", "not 'up' from its earlier answers");

    // A turn: the local server is gone, the hosted fallback refuses the key.
    const failed = await collect(runtime.gateway.proxy({ model: "Story", context: { messages: [{ role: "user", content: "hi" }] } }));
    assert.ok(failed.some((event) => event.type === "route-error"));
    const problems = await runtime.gateway.checkSetup();
    const line = /^no model can answer: no model server at 127\.0\.0\.1:\d+ — start the model server there; and the hosted anthropic\/claude-sonnet-4-5 cannot answer: the server refused the API key anthropic\/claude-sonnet-4-5 was called with: the key is ANTHROPIC_API_KEY from gateway\.env: set a valid one there \(or give models\.providers\.anthropic\.apiKey\)/;
    assert.match(problems[0] ?? "", line);
    assert.doesNotMatch(problems.join("\n"), /turns go to the hosted|FAKE0123/);
    const cooling = runtime.gateway.health().find((health) => health.provider === "anthropic");
    assert.equal(cooling?.state, "down");
    assert.match(cooling?.reason ?? "", /^key refused at \d\d:\d\d:\d\d [+-]\d\d:\d\d: the server refused the API key anthropic\/claude-sonnet-4-5 was called with: the key is ANTHROPIC_API_KEY from gateway\.env/);

    // Past the cooldown: the key is still the refused one; the line and the card still say so (not "not checked yet").
    clock.advance(10 * 60_000);
    assert.match((await runtime.gateway.checkSetup())[0] ?? "", line);
    const card = runtime.gateway.health().find((health) => health.provider === "anthropic");
    assert.equal(card?.state, "down");
    assert.match(card?.reason ?? "", /^key refused at \d\d:\d\d:\d\d [+-]\d\d:\d\d: the server refused the API key anthropic\/claude-sonnet-4-5 was called with: the key is ANTHROPIC_API_KEY from gateway\.env/);
  } finally {
    await runtime.close();
    await anthropic.close();
  }
});

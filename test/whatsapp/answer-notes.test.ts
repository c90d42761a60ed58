// Trial t21 #2: what a terminal or the web chat says about an answer — cut off at its reply limit, the
// conversation trimmed — never reached WhatsApp (the channel read only the fallback's notice), although
// docs/agent.md says the cut-off note is said "in the terminal, the web chat's note and WhatsApp alike".
// Through a real model server on 127.0.0.1, the gateway runtime and the WhatsApp channel.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { whatsAppDriver } from "../channels/contract/whatsapp-driver.js";

const temp = tempDir();
after(() => temp.cleanup());

test("an answer cut off at its reply limit reaches WhatsApp with the note saying so and how to raise it, once", async () => {
  const story = "Once upon a time there was a fox who";
  const server = await startFakeServer((request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    return { kind: "sse", frames: completionsStream({ text: story, usage: { input: 50, output: 64 }, finishReason: "length" }) };
  });
  const driver = whatsAppDriver();
  const stateDir = join(temp.dir, "state");
  mkdirSync(stateDir, { recursive: true });
  try {
    const config = { agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: server.baseUrl, api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 64 }] } } } };
    await driver.start({ config, stateDir });
    const shown = await driver.send("a", "tell me a story");
    assert.equal(shown.everything.length, 1, `one message: ${JSON.stringify(shown.everything)}`);
    const [message] = shown.everything;
    assert.ok(message?.startsWith(`${story}\n\n_`), `the answer first, then the note: ${message}`);
    assert.match(message ?? "", /_the answer was cut off at the reply limit \(64 tokens: home\/m's maxTokens in the config\); ask to continue, or raise maxTokens there_$/);
    assert.equal(message?.split("cut off").length, 2, "said once");
  } finally {
    await driver.stop();
    await server.close();
  }
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

/**
 * Issue 9: turns of one session are serialised across processes, and "the gateway will use the same
 * lock". Here the real `hearth gateway` (its OpenAI-compatible API and the web chat's messages) and
 * three `hearth agent --session` processes all write one session at once, with answers slow enough
 * (streamed in pieces) that the turns overlap in time: the transcript alternates strictly, every
 * turn's request carries the turns before it, and nothing is lost.
 */
const temp = tempDir();
let server: FakeServer | undefined;
let gateway: RunningGateway | undefined;
after(async () => {
  await gateway?.stop();
  await server?.close();
  temp.cleanup();
});

test("hearth gateway and hearth agent processes take turns on one session", { timeout: 120_000 }, async () => {
  server = await startFakeServer((request) => {
    const turns = conversationOf("openai-completions", request.body as Record<string, unknown>);
    const answers = turns.filter((turn) => turn.role === "assistant").length;
    return { kind: "sse", frames: completionsStream({ text: `answer to ${lastUser(turns)} after ${answers} answers`, chunkSize: 4 }), frameDelayMs: 40 };
  });
  const file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "p/m" } } }, models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
  const state = join(temp.dir, "state");
  gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
  const url = gateway.url;
  const events = await openSse(`${url}/api/events`);
  const sent: string[] = [];
  const jobs: Promise<void>[] = [];
  for (let index = 0; index < 3; index += 1) {
    sent.push(`cli${index}`, `api${index}`, `web${index}`);
    jobs.push(
      runCli(["--config", file, "agent", "--session", "shared", "--message", `cli${index}`], { env: { HEARTH_STATE_DIR: state } }).then((result) => {
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`answer to cli${index} after \\d+ answers`));
      }),
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "shared" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: `api${index}` }] }) }).then(async (response) => {
        assert.equal(response.status, 200);
        const body = (await response.json()) as { choices: { message: { content: string } }[] };
        assert.match(body.choices[0]?.message.content ?? "", new RegExp(`answer to api${index} after \\d+ answers`));
      }),
      fetch(`${url}/api/sessions/shared/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: `web${index}` }) }).then((response) => {
        assert.equal(response.status, 202);
      }),
    );
  }
  await Promise.all(jobs);
  // The gateway's six turns on the session (three by the API, already answered, and the web chat's
  // three) end on the event stream: counting three could count the API's and read the file early.
  for (let count = 0; count < 6; count += 1) await events.next((message) => message.event === "turn-end" && message.data.includes('"session":"shared"'));
  events.close();

  const entries = readFileSync(join(state, "sessions/shared.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type: string; text?: string; message?: { content: { text?: string }[] } });
  const said = entries.filter((entry) => entry.type === "user" || entry.type === "assistant");
  assert.equal(said.length, 18, "nine messages, nine answers");
  said.forEach((entry, index) => assert.equal(entry.type, index % 2 === 0 ? "user" : "assistant", `entry ${index} breaks the alternation`));
  assert.deepEqual(said.filter((entry) => entry.type === "user").map((entry) => entry.text).sort(), [...sent].sort(), "every message kept once");
  // Each answer saw every turn before it: the n-th answer was sent n earlier answers.
  said
    .filter((entry) => entry.type === "assistant")
    .forEach((entry, index) => assert.match(entry.message?.content.map((part) => part.text ?? "").join("") ?? "", new RegExp(`after ${index} answers$`)));
});

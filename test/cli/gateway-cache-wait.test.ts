import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { llamaCppHandler } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

const temp = tempDir();
const closing: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(closing.map((entry) => entry.close()));
  temp.cleanup();
});

/**
 * The real gateway process: a turn that waits for room in a llama-server's shared cache (four slots
 * over one 8,192-token cache, as /props reports) is said in the terminal and the log, as a silent
 * model is — the operator hears why a session's answer has not started.
 */
test("hearth gateway: a turn waiting at a server's shared cache is said in the terminal", { timeout: 120_000 }, async () => {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive = (): void => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let calls = 0;
  const server: FakeServer = await startFakeServer(
    llamaCppHandler({
      alias: "m1",
      totalSlots: 4,
      nCtx: 8192,
      promptTokens: () => 10,
      completions: async (): Promise<Reply> => {
        if (++calls === 1) {
          arrive();
          await released;
        }
        return { kind: "sse", frames: completionsStream({ text: `answer ${calls}` }) };
      },
    }),
  );
  closing.push(server);
  const file = temp.write(
    "cache.json5",
    `{
      agents: { defaults: { model: { primary: "llama/m1" } } },
      models: { mode: "replace", providers: { llama: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 8192, maxTokens: 1000 }] } } },
    }`,
  );
  const gateway: RunningGateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
  closing.push({ close: () => gateway.stop() });
  // About 2,000 tokens each: two such turns and their replies outgrow the shared cache.
  const ask = (session: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hearth-session": session },
      body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: `${session} ${"the cat sat on the mat. ".repeat(330)}` }] }),
    }).then((response) => response.json() as Promise<{ choices: { message: { content: string } }[] }>);
  const first = ask("one");
  await arrived;
  const second = ask("two");
  await gateway.waitFor(/^session two: waiting for room in the cache that llama\/m1's server shares among its requests \(1 running, 0 waiting before this one\)$/m);
  release();
  const answers = await Promise.all([first, second]);
  assert.deepEqual(answers.map((answer) => answer.choices[0]?.message.content).sort(), ["answer 1", "answer 2"]);
});

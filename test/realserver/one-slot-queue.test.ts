// The real llama-server with one slot (`-np 1`), slowed (stopped and continued in turn, as a machine
// under load is) and sent eight proxied requests at once through the gateway: it runs one and queues
// the rest. A trial found the queued ones called stuck ("no first token within 10 s … it looks stuck")
// and sent to the paid fallback, the model cooling down. Every request is answered by the local model
// now, the waits are said, and nothing cools down.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { startRealServer, type RealServer } from "./real-server.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("a one-slot real llama-server, slow and sent eight requests at once through the gateway", () => {
  let server: RealServer;
  let paid: FakeServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ parallel: 1 });
    paid = await startFakeServer(() => ({ kind: "sse", frames: responsesStream({ text: "from the paid model" }) }));
  });
  after(async () => {
    server.resume();
    temp.cleanup();
    await Promise.all([server.kill(), paid.close()]);
  });

  test("every request is answered by the local model, the queued ones hear that they wait for its slot, and it earns no cooldown", { timeout: 300_000 }, async () => {
    const slots = (await (await fetch(`${server.url}/props`)).json()) as { total_slots: number };
    assert.equal(slots.total_slots, 1, "the server says it runs one request at a time");
    const file = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "local/${server.alias}", fallbacks: ["openai/gpt-5.1"] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${server.baseUrl}", api: "openai-responses", models: [{ id: "${server.alias}", contextWindow: 2048, maxTokens: 256 }] },
          openai: { baseUrl: "${paid.baseUrl}", api: "openai-responses", apiKey: "sk-test-0000", models: [{ id: "gpt-5.1", contextWindow: 200000, maxTokens: 1000 }] },
        } },
      }`,
    );
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    const ask = async (body: Record<string, unknown>): Promise<{ model: string | null; attempts: string; text: string }> => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ stream: true, messages: [{ role: "user", content: "Tell me a story." }], ...body }),
      });
      const text = await response.text();
      return { model: response.headers.get("x-hearth-model"), attempts: decodeURIComponent(response.headers.get("x-hearth-attempts") ?? ""), text };
    };
    let slowing = true;
    try {
      // A first answer: the model is known loaded there, so a silent request is judged stuck within about 10 s.
      assert.match((await ask({ model: `local/${server.alias}`, max_tokens: 16 })).text, /\[DONE\]/);
      // Slowed, not stopped: 90 ms stopped, 10 ms running, until the answers are in (each then takes seconds).
      const slow = (async () => {
        while (slowing) {
          server.stop();
          await sleep(90);
          server.resume();
          await sleep(10);
        }
      })();
      const answers = await Promise.all(Array.from({ length: 8 }, () => ask({ model: `local/${server.alias}`, max_tokens: 256 })));
      slowing = false;
      await slow;
      for (const answer of answers) {
        assert.match(answer.text, /\[DONE\]/);
        assert.doesNotMatch(answer.text, /from the paid model|gpt-5\.1|looks stuck|timed out/, answer.text.split("\n").filter((line) => line.startsWith(": hearth:")).join("\n"));
      }
      assert.equal(paid.requests.length, 0, "the paid fallback was never asked");
      // The waits are said: the server runs one request, so seven of the eight waited for its slot in hearth.
      const queued = answers.filter((answer) => answer.text.includes(`: hearth: waiting for a free slot on local/${server.alias}'s server, which runs one request at once`));
      assert.equal(queued.length, 7, answers.map((answer) => answer.text.split("\n").filter((line) => line.startsWith(": hearth:")).join(" | ")).join("\n"));
      // No cooldown: an agent-mode turn (which skips a cooling primary) goes to the local model first and it answers.
      const turn = await ask({ model: "hearth", max_tokens: 16 });
      assert.match(turn.text, /\[DONE\]/);
      assert.equal(paid.requests.length, 0, `the agent's turn did not skip the local model: ${turn.text.split("\n").filter((line) => line.startsWith(": hearth:")).join(" | ")}`);
    } finally {
      slowing = false;
      server.resume();
      await gateway.stop();
    }
  });
});

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
const notices = (text: string): string => text.split("\n").filter((line) => line.startsWith(": hearth:")).join(" | ");

async function askGateway(url: string, body: Record<string, unknown>): Promise<{ text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stream: true, messages: [{ role: "user", content: "Tell me a story." }], ...body }),
  });
  return { text: await response.text() };
}

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


  /** The gateway in front of the server, with the paid fake as the fallback. */
  async function startHearth(name: string) {
    const file = temp.write(
      `${name}.json5`,
      `{
        agents: { defaults: { model: { primary: "local/${server.alias}", fallbacks: ["openai/gpt-5.1"] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${server.baseUrl}", api: "openai-responses", models: [{ id: "${server.alias}", contextWindow: 2048, maxTokens: 256 }] },
          openai: { baseUrl: "${paid.baseUrl}", api: "openai-responses", apiKey: "sk-test-0000", models: [{ id: "gpt-5.1", contextWindow: 200000, maxTokens: 1000 }] },
        } },
      }`,
    );
    return await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, `${name}-state`) });
  }

  /** Slows the server (stopped `stoppedMs` of every 100 ms) until the returned stop is called. */
  function slowDown(stoppedMs: number): () => Promise<void> {
    let slowing = true;
    const loop = (async () => {
      while (slowing) {
        server.stop();
        await sleep(stoppedMs);
        server.resume();
        await sleep(100 - stoppedMs);
      }
    })();
    return async () => {
      slowing = false;
      await loop;
      server.resume();
    };
  }

  test("every request is answered by the local model, the queued ones hear that they wait for its slot, and it earns no cooldown", { timeout: 300_000 }, async () => {
    const slots = (await (await fetch(`${server.url}/props`)).json()) as { total_slots: number };
    assert.equal(slots.total_slots, 1, "the server says it runs one request at a time");
    const gateway = await startHearth("one");
    const ask = (body: Record<string, unknown>) => askGateway(gateway.url, body);
    let fast: (() => Promise<void>) | undefined;
    try {
      // A first answer: the model is known loaded there, so a silent request is judged stuck within about 10 s.
      assert.match((await ask({ model: `local/${server.alias}`, max_tokens: 16 })).text, /\[DONE\]/);
      // Slowed, not stopped: 90 ms stopped, 10 ms running, until the answers are in (each then takes seconds).
      fast = slowDown(90);
      const answers = await Promise.all(Array.from({ length: 8 }, () => ask({ model: `local/${server.alias}`, max_tokens: 256 })));
      await fast();
      for (const answer of answers) {
        assert.match(answer.text, /\[DONE\]/);
        assert.doesNotMatch(answer.text, /from the paid model|gpt-5\.1|looks stuck|timed out/, notices(answer.text));
      }
      assert.equal(paid.requests.length, 0, "the paid fallback was never asked");
      // The waits are said: the server runs one request, so seven of the eight waited for its slot in hearth.
      const queued = answers.filter((answer) => answer.text.includes(`: hearth: waiting for a free slot on local/${server.alias}'s server, which runs one request at once`));
      assert.equal(queued.length, 7, answers.map((answer) => notices(answer.text)).join("\n"));
      // No cooldown: an agent-mode turn (which skips a cooling primary) goes to the local model first and it answers.
      const turn = await ask({ model: "hearth", max_tokens: 16 });
      assert.match(turn.text, /\[DONE\]/);
      assert.equal(paid.requests.length, 0, `the agent's turn did not skip the local model: ${notices(turn.text)}`);
    } finally {
      await fast?.();
      await gateway.stop();
    }
  });

  test("a request queued behind another client's long answer (not hearth's) hears that the server's slot is busy, and is answered by the local model", { timeout: 300_000 }, async () => {
    const gateway = await startHearth("foreign");
    let fast: (() => Promise<void>) | undefined;
    try {
      assert.match((await askGateway(gateway.url, { model: `local/${server.alias}`, max_tokens: 16 })).text, /\[DONE\]/);
      // Slowed (90 ms of every 100 stopped): another client's 1,000-token answer holds the one slot for well over the stuck limit.
      fast = slowDown(90);
      const foreign = fetch(`${server.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: server.alias, stream: true, max_tokens: 1000, messages: [{ role: "user", content: "Once upon a time" }] }),
      }).then((response) => response.text());
      // Once the server says the other client's request holds the slot, hearth's goes in behind it.
      for (;;) {
        const slots = (await (await fetch(`${server.url}/slots`)).json()) as { is_processing: boolean }[];
        if (slots[0]?.is_processing) break;
        await sleep(50);
      }
      const answer = await askGateway(gateway.url, { model: `local/${server.alias}`, max_tokens: 32 });
      await foreign;
      await fast();
      assert.match(answer.text, /\[DONE\]/);
      assert.doesNotMatch(answer.text, /from the paid model|looks stuck|timed out/, notices(answer.text));
      assert.match(answer.text, new RegExp(`: hearth: waiting for a free slot on local/${server.alias}'s server: it says its one slot is busy with other requests and working, so this is a queue, not a hang`), notices(answer.text));
      assert.equal(paid.requests.length, 0, "the paid fallback was never asked");
    } finally {
      await fast?.();
      await gateway.stop();
    }
  });
});

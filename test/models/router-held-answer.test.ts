import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { FIRST_NOTICE_MS } from "../../src/models/notice-schedule.js";
import { serializeSseFrame } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock, settle } from "../helpers/manual-clock.js";
import { ask, route } from "../helpers/routing.js";

/** A manual clock that tells whether the first wait notice is still due (armed and not cancelled). */
class NoticeClock extends ManualClock {
  private readonly notices: { cancelled: boolean }[] = [];

  override setTimeout(callback: () => void, ms: number): { cancel(): void } {
    const timer = super.setTimeout(callback, ms);
    if (ms !== FIRST_NOTICE_MS) return timer;
    const mark = { cancelled: false };
    this.notices.push(mark);
    return {
      cancel: () => {
        mark.cancelled = true;
        timer.cancel();
      },
    };
  }

  get noticeDue(): boolean {
    return this.notices.some((mark) => !mark.cancelled);
  }
}

/**
 * t7 #1: while a reasoning model's leading text was held (no text event yet), the client was told "no reply
 * from Llama3 for 5 s … — trying Resp if none by 8 s (its first-token limit)", and Resp was never tried: the HTTP clock that decides saw the
 * tokens arrive and had moved on to the idle limit. A held answer is a reply in progress: no wait notice, no
 * fallback, no stuck verdict on the first-token limit.
 */
test("a reply whose first tokens are held back (a reasoning model's text before its </think>) is in progress: no 'no reply … trying' notice, the next model is never tried", { timeout: 30_000 }, async () => {
  const frames = completionsStream({ reasoning: "Let me think about fish.", reasoningField: "orphan-think", text: "Two fish.", chunkSize: 6, usage: { input: 3, output: 9 } }).map(serializeSseFrame);
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let firstSent = false;
  const posts: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    if (req.method !== "POST") return void res.writeHead(404).end(); // probes of the server's listing
    posts.push(req.url ?? "");
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      void (async () => {
        // The role chunk and the first pieces of reasoning (plain text, held), then nothing until the test says.
        for (const frame of frames.slice(0, 3)) await new Promise<void>((resolve) => res.write(frame, () => resolve()));
        firstSent = true;
        await released;
        for (const frame of frames.slice(3)) await new Promise<void>((resolve) => res.write(frame, () => resolve()));
        res.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = new NoticeClock();
  const http = new HttpClient();
  const routing = createRouting({ http, clock });
  try {
    const chain = resolveText(`{ agents: { defaults: { model: { primary: "llama/qwen3-8b", fallbacks: ["spare/m"] } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${url}/v1", api: "openai-completions", timeoutSeconds: 8, models: [{ id: "qwen3-8b", contextWindow: 32000, maxTokens: 1000 }] },
        spare: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32000, maxTokens: 1000 }] } } } }`).chain.map((entry) => entry.model);
    const pending = route(routing.router, { chain, context: ask });
    // Real time for the held tokens to reach the adapter (bounded: before the fix the notice stays due).
    for (let waited = 0; (!firstSent || clock.noticeDue) && waited < 3_000; waited += 10) await settle(10);
    clock.advance(FIRST_NOTICE_MS + 10_000); // past the first notice and the 8 s limit the notice named
    await settle();
    release();
    const outcome = await pending;
    const waits = outcome.events.filter((event) => event.type === "attempt-waiting");
    assert.deepEqual(waits, [], "no 'no reply … trying spare/m' while the reply was in progress");
    assert.deepEqual(outcome.outcomes, ["llama/qwen3-8b ok"], "the next model was never tried");
    assert.equal(outcome.text, "Two fish.");
    assert.deepEqual(posts, ["/v1/chat/completions"], "one call");
  } finally {
    http.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

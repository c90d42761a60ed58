import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { waitingNotice } from "../../src/models/waiting-notice.js";
import { ask, chainFromServers, route, routeWhileClockMoves, testRouting } from "../helpers/routing.js";

type Playing = "llama" | "apache" | "hang";

// t19 #3: llama-server answered, then the port held another program (an HTML 404), then one that takes the connection and says nothing.
let playing: Playing = "llama";
/** What the server playing "hang" answers at last, once the test has it end (until then: nothing). */
let hangEnds: Promise<Reply> | undefined;
let server: FakeServer;
let spare: FakeServer;
before(async () => {
  const page: Reply = { kind: "raw", status: 404, headers: { "content-type": "text/html" }, chunks: ["<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><address>Apache/2.4.57 (Debian)</address></body></html>"] };
  server = await startFakeServer((request): Reply | Promise<Reply> => {
    if (playing === "apache") return page;
    // No LM Studio listing: whether the model is loaded is not said (llama-server).
    if (request.method === "GET") return { kind: "json", status: 404, body: { error: { message: "File Not Found", type: "not_found_error", code: 404 } } };
    return playing === "hang" ? (hangEnds ?? { kind: "hang-before-headers" }) : { kind: "sse", frames: completionsStream({ text: "ok", usage: { input: 5, output: 1 } }) };
  });
  spare = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "spare", usage: { input: 5, output: 1 } }) }));
});
after(async () => {
  await server.close();
  await spare.close();
});

/**
 * Where no lowered limit applies (the second test), nothing on the manual clock ends the wait: the provider's own limit
 * would, on the HTTP client's real timer (60 s). The silent server ends it instead, with this refusal, once the manual
 * clock has moved this far on — past any limit lowered for a model that answered lately (10 s and a little).
 */
const HANG_ENDS_AFTER_MS = 65_000;
const HANG_END: Reply = { kind: "json", status: 500, body: { error: { message: "the test ends the wait here" } } };

const stuckWords = async (replacedBetween: boolean): Promise<{ words: string; notices: string[]; simulatedMs: number }> => {
  const routing = testRouting();
  try {
    const chain = chainFromServers({ local: server.baseUrl, spare: spare.baseUrl }, { local: "timeoutSeconds: 60," });
    playing = "llama";
    assert.deepEqual((await route(routing.router, { chain, context: ask })).outcomes, ["local/m ok"]);
    if (replacedBetween) {
      playing = "apache";
      const replaced = await route(routing.router, { chain, context: ask });
      assert.deepEqual(replaced.outcomes, ["local/m no-endpoint", "spare/m ok"], "a web page: no such endpoint there, never model-not-found");
      routing.cooldowns.clearProvider("local");
    }
    routing.clock.advance(40_000);
    playing = "hang";
    hangEnds = new Promise((resolve) => routing.clock.setTimeout(() => resolve(HANG_END), HANG_ENDS_AFTER_MS));
    const result = await routeWhileClockMoves({ routing, request: { chain, context: ask }, limitMs: 70_000 });
    const failed = result.events.find((event) => event.type === "attempt-failed");
    const notices = result.events.flatMap((event) => (event.type === "attempt-waiting" ? [waitingNotice(event)] : []));
    return { words: failed?.type === "attempt-failed" ? failed.failure.message : "", notices, simulatedMs: result.simulatedMs };
  } finally {
    hangEnds = undefined;
    routing.close();
  }
};

test("a model that answered lately and now sends nothing: the words say what is known (when it answered), not that the server has it loaded", async () => {
  const { words, notices } = await stuckWords(false);
  assert.match(notices[0] ?? "", /^no reply from local\/m for 5 s \(prompt \d+ tokens; it answered this model lately\)/, "the wait's words too");
  assert.match(words, /^local\/m: no first token within \d+ s although it answered this model 4\d s ago and the prompt is \d+ tokens: it looks stuck$/);
  assert.doesNotMatch(words, /has the model loaded/);
});

test("an answer in between that shows another program holds the port forgets that the model answered there", async () => {
  const { words, notices, simulatedMs } = await stuckWords(true);
  assert.ok(simulatedMs >= HANG_ENDS_AFTER_MS, `the wait lasts until the server ends it, no limit lowered for a loaded model ends it sooner (it ended ${simulatedMs} ms on)`);
  assert.doesNotMatch(notices.join("\n"), /loaded|answered this model/);
  assert.doesNotMatch(words, /although|looks stuck|answered this model/, "no limit lowered for a loaded model: nothing says it is");
  assert.match(words, /^local\/m: .*the test ends the wait here/, "the server's refusal ended the wait, not a lowered limit");
});

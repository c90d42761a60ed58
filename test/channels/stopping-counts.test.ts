// While the gateway stops, what it says it still finishes names turns and proxied answers apart:
// /health's `stopping`, the 503 every other request gets, and the words the terminal and `gateway status` use.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import { StopSwitch } from "../../src/gateway/stop-switch.js";
import { workWords } from "../../src/gateway/stop-counts.js";
import { memoryGateway } from "../helpers/memory-gateway.js";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe("a stopping gateway counts turns and proxied answers apart", () => {
  const stop = new StopSwitch();
  let server: RunningServer;
  before(async () => {
    server = await serveHttp({ app: createHttpApp({ port: memoryGateway(), logger: silent, stop, version: "0.1.0" }), host: "127.0.0.1", port: 0 });
  });
  after(() => server.close());

  test("/health and the 503 say 1 turn and 2 proxied answers, not 3 turns", async () => {
    stop.track(new AbortController(), { kind: "turn" });
    stop.track(new AbortController(), { kind: "proxied" });
    stop.track(new AbortController(), { kind: "proxied" });
    // A turn waiting behind another is not under way: not counted.
    stop.track(new AbortController(), { kind: "turn", underWay: () => false });
    stop.stop();
    const health = await fetch(`http://127.0.0.1:${server.port}/health`, { headers: { connection: "close" } });
    assert.equal(health.status, 503);
    assert.deepEqual(((await health.json()) as { stopping: unknown }).stopping, { turns: 1, proxied: 2 });
    const refused = await fetch(`http://127.0.0.1:${server.port}/api/status`, { headers: { connection: "close" } });
    assert.equal(refused.status, 503);
    const body = (await refused.json()) as { error: { message: string } };
    assert.match(body.error.message, /^the gateway is stopping: it takes no new requests \(1 turn and 2 proxied answers finishing\);/);
  });

  test("the words: the right nouns, each counted", () => {
    assert.equal(workWords({ turns: 1, proxied: 0 }), "1 turn");
    assert.equal(workWords({ turns: 0, proxied: 1 }), "1 proxied answer");
    assert.equal(workWords({ turns: 2, proxied: 3 }), "2 turns and 3 proxied answers");
    assert.equal(workWords({ turns: 0, proxied: 0 }), "nothing");
  });
});

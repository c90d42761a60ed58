// Review s26 #1: the ask of a server's window after a reply waits with a call's patience (up to a minute); a
// turn that plans meanwhile joins the ask in flight — and must wait for it only as long as its own bound (a
// fraction of a second), not the after-reply ask's. A server that takes every request and never answers, on 127.0.0.1.
import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { ServedWindows } from "../../src/models/served-windows.js";
import { modelSpec } from "../ai/adapter-contract.js";
import { startFakeServer } from "../fakes/fake-server.js";

test("a refresh that joins an after-reply ask in flight ends when its own signal does; the ask goes on", async () => {
  const http = new HttpClient();
  const server = await startFakeServer(() => ({ kind: "hang-before-headers" }));
  const windows = new ServedWindows(http, undefined);
  const model = modelSpec("openai-completions", server.baseUrl, { contextWindow: 4096, local: true, timeoutSeconds: 60 });
  const turn = new AbortController();
  let askEnded = false;
  const asking = windows.askAfterReply(model, { replica: model.baseUrl, timeouts: { connectMs: 3_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 0 }, signal: turn.signal }).finally(() => (askEnded = true));
  try {
    // The after-reply ask has reached the server: a later turn's plan joins it, with its own bound.
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const planning = new AbortController();
    const refreshed = windows.refresh(model, planning.signal);
    planning.abort();
    await refreshed;
    assert.equal(askEnded, false, "the joined refresh ended with its own signal, while the after-reply ask still waits for the server");
  } finally {
    turn.abort();
    await asking.catch(() => undefined);
    http.destroy();
    await server.close();
  }
  assert.equal(askEnded, true);
});

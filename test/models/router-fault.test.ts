// A fault in hearth while routing (here: a tool schema nested past what the stack can walk, reached in the
// router's own estimate) ends the route with a route-error marked as a fault, in hearth's words only — the
// error itself goes to onFault (the log) — and not as if the models had failed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collect } from "../../src/shared/event-stream.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { ROUTE_FAULT } from "../../src/models/router-events.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { modelSpec } from "../ai/adapter-contract.js";

test("a fault in hearth while routing is a route-error marked fault, its words hearth's, the error told to onFault", async () => {
  const server = await startFakeServer(() => ({ kind: "json", body: {} }));
  const warnings: string[] = [];
  const routing = createRouting({ onWarning: (message) => warnings.push(message) });
  try {
    let parameters: Record<string, unknown> = { type: "string" };
    for (let depth = 0; depth < 200_000; depth++) parameters = { type: "array", items: parameters };
    const events = await collect(routing.router.stream({ chain: [modelSpec("openai-completions", server.url)], context: { messages: [{ role: "user", content: "hi" }], tools: [{ name: "deep", description: "", parameters }] } }));
    const last = events.at(-1);
    assert.ok(last?.type === "route-error", JSON.stringify(last));
    assert.equal(last.fault, true);
    assert.equal(last.message, ROUTE_FAULT);
    assert.doesNotMatch(last.message, /Maximum call stack/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? "", /^a fault in hearth while choosing and calling a model: RangeError: Maximum call stack size exceeded/);
  } finally {
    routing.http.destroy();
    await server.close();
  }
});

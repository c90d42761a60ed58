// A turn whose route broke on a fault in hearth fails with the cause "fault" — not "permanent" (its route has
// no attempts: read as "no candidate at all"), nor "transient" (a throw while the route's events were told) —
// in hearth's words, the error itself to the log; the entry keeps the cause, and the session reads back.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Agent } from "../../src/agent/agent.js";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { agentSpec } from "../../src/agent/agent-spec.js";
import { failureHint } from "../../src/agent/failure-hint.js";
import { createBuiltinTools } from "../../src/agent/tools/registry.js";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import { hostedCatalog } from "../../src/ai/catalog/hosted-catalog.js";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { resolveModels } from "../../src/models/resolve.js";
import { Cooldowns } from "../../src/models/cooldowns.js";
import { PrefillStats } from "../../src/models/prefill-stats.js";
import { ReplicaBalancer } from "../../src/models/replicas.js";
import { Router } from "../../src/models/router.js";
import { ROUTE_FAULT } from "../../src/models/router-events.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { tempDir } from "../helpers/run-cli.js";
import { testRouting } from "../helpers/routing.js";

function configFor(server: FakeServer) {
  const text = `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 512 }] } } } }`;
  const source = { file: "hearth.json5", text };
  const { config } = parseConfigValue(parseJson5(text, source.file), source, {});
  return { config, resolved: resolveModels(config, { env: {}, catalog: hostedCatalog, source }) };
}

describe("a turn broken by a fault in hearth", () => {
  const temp = tempDir("hearth-turn-fault-");
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const close of closers) await close();
    temp.cleanup();
  });

  test("the router's own (an adapter that cannot be loaded): cause 'fault', hearth's words, the error to onFault; the session reads back", async () => {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "never sent" }) }));
    closers.push(() => server.close());
    const { config, resolved } = configFor(server);
    const clock = new ManualClock();
    const faults: unknown[] = [];
    // As the router's tests inject it: the adapter source rejects (a module missing from the install).
    const broken = { get: (): Promise<ProviderAdapter> => Promise.reject(new Error("Cannot find module 'openai-completions'")) };
    const router = new Router({ adapters: broken, cooldowns: new Cooldowns(clock), replicas: new ReplicaBalancer(clock), prefill: new PrefillStats(), loadState: undefined, clock, onFault: (error) => faults.push(error) });
    const stateDir = `${temp.dir}/router`;
    const agent = new Agent(agentSpec(config, resolved), { router, store: new JsonlSessionStore(stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir });

    const result = await agent.turn("s", "hello");
    assert.ok(!result.ok);
    assert.equal(result.cause, "fault");
    assert.equal(result.error, ROUTE_FAULT);
    assert.match(String(faults.at(-1)), /Cannot find module/);
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 0);
    const hint = failureHint({ cause: result.cause, attempts: result.attempts, command: "hearth", retry: "/retry" });
    assert.equal(hint, "this is hearth's own fault, not a model's nor your message's — the warning above says what it was; your message is saved, but /retry will likely fail the same way until that is fixed");

    const warnings: string[] = [];
    const reloaded = await new JsonlSessionStore(stateDir, { onWarning: (message) => warnings.push(message) }).read("s");
    assert.deepEqual(
      reloaded.entries.map((entry) => (entry.type === "turn-failed" ? `${entry.type}: ${entry.cause ?? ""}` : entry.type)),
      ["session", "user", "turn-failed: fault"],
    );
    assert.deepEqual(warnings, []);
    // Left out of what the next turn sends, as every turn without an answer is.
    assert.equal(await agent.retryable("s").then((entry) => entry?.text), "hello");
  });

  test("a listener of the turn's that throws while the route's events are told: cause 'fault' in hearth's words (not its text), the error to onFault; a cancelled turn stays cancelled", async () => {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "an answer" }) }));
    closers.push(() => server.close());
    const { config, resolved } = configFor(server);
    const routing = testRouting();
    closers.push(routing.close);
    const faults: unknown[] = [];
    const stateDir = `${temp.dir}/listener`;
    const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, onFault: (error) => faults.push(error) });
    const throwing = (event: AgentEvent): void => {
      if (event.type === "attempt-start") throw new TypeError("Cannot read properties of undefined (reading 'chat') at /root/secret-path");
    };

    const result = await agent.turn("s", "hello", { onEvent: throwing });
    assert.ok(!result.ok);
    assert.deepEqual({ cause: result.cause, error: result.error }, { cause: "fault", error: ROUTE_FAULT });
    assert.match(String(faults.at(-1)), /reading 'chat'/);
    const kept = (await new JsonlSessionStore(stateDir).read("s")).entries.at(-1);
    assert.deepEqual(kept?.type === "turn-failed" ? { cause: kept.cause, error: kept.error } : kept, { cause: "fault", error: ROUTE_FAULT });

    // The user stopped the turn, and then the listener threw: it was cancelled, no fault is logged.
    const controller = new AbortController();
    const stopped = await agent.turn("s", "again", {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type !== "attempt-start") return;
        controller.abort();
        throw new TypeError("a listener gone with its client");
      },
    });
    assert.ok(!stopped.ok);
    assert.equal(stopped.cause, "cancelled");
    assert.equal(faults.length, 1);
  });

  test("a fault after the channel showed part of the answer: the words shown are kept as the turn's answer, cut off, and the turn fails with the cause 'fault'", async () => {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "first words, then more", chunkSize: 6, reasoning: "a thought" }) }));
    closers.push(() => server.close());
    const { config, resolved } = configFor(server);
    const routing = testRouting();
    closers.push(routing.close);
    const faults: unknown[] = [];
    const stateDir = `${temp.dir}/shown`;
    const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, onFault: (error) => faults.push(error) });
    const shown: string[] = [];
    const notices: string[] = [];
    const result = await agent.turn("s", "hello", {
      onEvent: (event) => {
        if (event.type === "notice") notices.push(event.text);
        if (event.type !== "text-delta") return;
        shown.push(event.delta);
        if (shown.length === 2) throw new TypeError("the channel's writer broke");
      },
    });
    assert.ok(!result.ok);
    assert.deepEqual({ cause: result.cause, error: result.error }, { cause: "fault", error: ROUTE_FAULT });
    assert.match(String(faults.at(-1)), /writer broke/);
    assert.deepEqual(shown, ["first ", "words,"]);
    assert.ok(notices.some((text) => text.startsWith("the answer was cut off: ")), notices.join("\n"));

    const entries = (await new JsonlSessionStore(stateDir).read("s")).entries;
    const kept = entries.at(-1);
    assert.equal(kept?.type, "assistant");
    if (kept?.type !== "assistant") return;
    assert.equal(kept.message.stopReason, "error");
    assert.deepEqual(kept.message.content, [{ type: "reasoning", text: "a thought" }, { type: "text", text: "first words," }]);
    assert.equal(kept.message.model, "local/m");
  });

  test("a fault on a channel that shows only the final answer (canRestart) keeps nothing as an answer: the turn is failed", async () => {
    const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "first words, then more", chunkSize: 6 }) }));
    closers.push(() => server.close());
    const { config, resolved } = configFor(server);
    const routing = testRouting();
    closers.push(routing.close);
    const stateDir = `${temp.dir}/final-only`;
    const agent = new Agent(agentSpec(config, resolved), { router: routing.router, store: new JsonlSessionStore(stateDir), tools: createBuiltinTools(), catalog: resolved.catalog, stateDir, onFault: () => undefined });
    let deltas = 0;
    const result = await agent.turn("s", "hello", {
      canRestart: true,
      onEvent: (event) => {
        if (event.type === "text-delta" && ++deltas === 2) throw new TypeError("broke");
      },
    });
    assert.ok(!result.ok);
    assert.equal(result.cause, "fault");
    const kept = (await new JsonlSessionStore(stateDir).read("s")).entries.at(-1);
    assert.deepEqual(kept?.type === "turn-failed" ? { cause: kept.cause } : kept?.type, { cause: "fault" });
  });
});

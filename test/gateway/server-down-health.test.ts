import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { HealthMonitor } from "../../src/models/health-monitor.js";
import { collect } from "../../src/shared/event-stream.js";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

/** An OpenAI-compatible server listing `ids`, answering "from <model>"; `port`: where it listens. */
async function serve(ids: readonly string[], port?: number): Promise<FakeServer> {
  const server = await startFakeServer(
    (request) =>
      request.method === "GET"
        ? { kind: "json", body: { object: "list", data: ids.map((id) => ({ id, object: "model" })) } }
        : { kind: "sse", frames: completionsStream({ text: `from ${String((request.body as { model?: unknown }).model)}`, usage: { input: 1, output: 1 } }) },
    port === undefined ? {} : { port },
  );
  closers.push(() => server.close());
  return server;
}

/**
 * A runtime whose provider "local" (models fast and slow, only slow in the chain) is at `localUrl`, with backup/b after it.
 * Proxy mode tries the named model, then the agent's fallbacks (not its primary): local/slow is the first fallback.
 */
async function runtimeWith(name: string, localUrl: string, backupUrl: string) {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  writeFileSync(
    file,
    `{ agents: { defaults: { model: { primary: "other/elsewhere", fallbacks: ["local/slow", "backup/b"] } } },
      models: { mode: "replace", providers: {
        local: { baseUrl: "${localUrl}/v1", api: "openai-completions", models: [{ id: "fast" }, { id: "slow" }] },
        other: { baseUrl: "${localUrl}/other/v1", api: "openai-completions", models: [{ id: "elsewhere" }] },
        backup: { baseUrl: "${backupUrl}", api: "openai-completions", models: [{ id: "b" }] } } } }`,
  );
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file, sharesCooldowns: "every" });
  closers.push(() => runtime.close());
  return runtime;
}

test("a server that refuses the connection for a model outside every chain cools every model on it, and the panel says the provider is cooling", async () => {
  const backup = await serve(["b"]);
  const dead = await refusedUrl();
  const runtime = await runtimeWith("refused", dead, backup.baseUrl);
  const events = await collect(runtime.gateway.proxy({ model: "local/fast", context: { messages: [{ role: "user", content: "hi" }] } }));
  const end = events.find((event) => event.type === "route-end");
  assert.equal(end?.type === "route-end" && end.model, "backup/b");
  assert.deepEqual(end?.type === "route-end" ? end.attempts.map((attempt) => [attempt.model, attempt.outcome]) : [], [
    ["local/fast", "unreachable"],
    ["local/slow", "skipped-cooldown"],
    ["backup/b", "ok"],
  ], "the chain's model on the same server is not called again: it cools with the server");
  const { cooldowns } = runtime.routing;
  assert.equal(cooldowns.reason("local/slow"), "unreachable");
  assert.equal(cooldowns.until("other/elsewhere"), undefined, "another base URL on the same host is another server");
  const local = runtime.gateway.health().find((health) => health.provider === "local");
  assert.equal(local?.state, "cooling", JSON.stringify(local));
  assert.match(local?.reason ?? "", /unreachable/);

  // The server comes back: one round of the health monitor ends the cooldown of every model on it.
  const port = Number(new URL(dead).port);
  await serve(["fast", "slow"], port);
  const routing = runtime.routing;
  const monitor = new HealthMonitor({ http: routing.http, clock: routing.clock, cooldowns, replicas: routing.replicas, adapters: routing.adapters, providers: [...runtime.catalog.providers.values()] });
  await monitor.tick();
  assert.equal(cooldowns.until("local/fast"), undefined);
  assert.equal(cooldowns.until("local/slow"), undefined);
  assert.notEqual(runtime.gateway.health().find((health) => health.provider === "local")?.state, "cooling");
});

test("a model's own failure (its name unknown to the server) cools that model alone; the provider is judged by all its models and names it", async () => {
  const backup = await serve(["b"]);
  const local = await startFakeServer((request) =>
    (request.body as { model?: unknown } | undefined)?.model === "fast"
      ? { kind: "json", status: 404, body: { error: { message: "model 'fast' not found", type: "not_found_error", code: "model_not_found" } } }
      : { kind: "sse", frames: completionsStream({ text: "from slow", usage: { input: 1, output: 1 } }) },
  );
  closers.push(() => local.close());
  const runtime = await runtimeWith("not-found", local.baseUrl, backup.baseUrl);
  const events = await collect(runtime.gateway.proxy({ model: "local/fast", context: { messages: [{ role: "user", content: "hi" }] } }));
  const end = events.find((event) => event.type === "route-end");
  assert.deepEqual(end?.type === "route-end" ? end.attempts.map((attempt) => [attempt.model, attempt.outcome]) : [], [
    ["local/fast", "model-not-found"],
    ["local/slow", "ok"],
  ]);
  assert.equal(runtime.routing.cooldowns.reason("local/fast"), "model-not-found");
  assert.equal(runtime.routing.cooldowns.until("local/slow"), undefined);
  const health = runtime.gateway.health().find((entry) => entry.provider === "local");
  assert.equal(health?.state, "up");
  assert.match(health?.reason ?? "", /local\/fast is cooling down after model-not-found/);
});

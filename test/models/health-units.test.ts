import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cooldownFile } from "../../src/models/cooldown-file.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import { fallbackNotice } from "../../src/models/fallback-notice.js";
import { PrefillStats } from "../../src/models/prefill-stats.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";

test("cooldowns grow with failures in a row, honour Retry-After, end on success", () => {
  const clock = new ManualClock();
  const cooldowns = new Cooldowns(clock, { baseMs: 1000, timeoutBaseMs: 4000, maxMs: 5000 });
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  assert.equal(cooldowns.until("a/m"), clock.now() + 1000);
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  assert.equal(cooldowns.until("a/m"), clock.now() + 2000);
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  assert.equal(cooldowns.until("a/m"), clock.now() + 5000, "capped");
  cooldowns.fail("b/m", { kind: "rate-limit", message: "x", retryAfterMs: 60_000 });
  assert.equal(cooldowns.until("b/m"), clock.now() + 60_000);
  assert.deepEqual(cooldowns.coolingProviders().sort(), ["a", "b"]);
  clock.advance(5001);
  assert.equal(cooldowns.until("a/m"), undefined, "over by itself");
  cooldowns.succeed("b/m");
  assert.equal(cooldowns.until("b/m"), undefined);
  cooldowns.fail("t/m", { kind: "timeout", message: "x" });
  assert.equal(cooldowns.until("t/m"), clock.now() + 4000, "a hang starts with a longer backoff");
  cooldowns.fail("c/m", { kind: "bad-request", message: "x" });
  cooldowns.fail("c/m", { kind: "context-overflow", message: "x" });
  assert.equal(cooldowns.until("c/m"), undefined, "the request's fault, not the model's");
});

test("cooldowns outlive the process through a file, so a one-shot command skips what just failed", () => {
  const temp = mkdtempSync(join(tmpdir(), "hearth-cooldowns-"));
  try {
    const clock = new ManualClock();
    const file = cooldownFile(join(temp, "state/cooldowns.json"));
    new Cooldowns(clock, DEFAULT_COOLDOWN, file).fail("lmstudio/m", { kind: "timeout", message: "hang" });
    const next = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
    assert.equal(next.until("lmstudio/m"), clock.now() + DEFAULT_COOLDOWN.timeoutBaseMs);
    next.succeed("lmstudio/m");
    assert.equal(new Cooldowns(clock, DEFAULT_COOLDOWN, file).until("lmstudio/m"), undefined);
    writeFileSync(join(temp, "state/cooldowns.json"), "{ not json");
    assert.equal(new Cooldowns(clock, DEFAULT_COOLDOWN, file).until("lmstudio/m"), undefined, "a damaged file is an empty one");
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
});

test("the first-token limit grows with the uncached prompt and the measured prefill speed", () => {
  const stats = new PrefillStats();
  assert.equal(stats.firstTokenLimitMs("x/m", true, 60_000, 1_000), 60_000, "small prompts fit the base limit");
  assert.equal(stats.firstTokenLimitMs("x/m", true, 60_000, 152_000), 60_000 + (150_000 / 250) * 1000 * 2, "assumed 250 tok/s before measuring");
  assert.equal(stats.firstTokenLimitMs("h/m", false, 60_000, 152_000), 60_000, "hosted: no assumption");
  stats.record("x/m", 10_000, 1_000);
  assert.equal(stats.tokensPerSecond("x/m"), 10_000);
  assert.equal(stats.firstTokenLimitMs("x/m", true, 60_000, 152_000), 60_000 + 30_000);
});

test("the fallback notice names the answering model by alias and the primary's trouble", () => {
  const resolved = resolveText(`{
    agents: { defaults: { model: { primary: "lmstudio/m", fallbacks: ["anthropic/claude-opus-4-5"] }, models: { "anthropic/claude-opus-4-5": { alias: "Opus" } } } },
    models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "m" }] } } } }`);
  const notice = fallbackNotice(
    [
      { model: "lmstudio/m", outcome: "unreachable", ms: 1 },
      { model: "anthropic/claude-opus-4-5", outcome: "ok", ms: 900 },
    ],
    resolved.catalog,
  );
  assert.equal(notice, "answered by Opus — lmstudio/m (local server) unreachable");
  assert.equal(fallbackNotice([{ model: "lmstudio/m", outcome: "ok", ms: 1 }], resolved.catalog), undefined);
});

test("keepWarm sends LM Studio's ttl; a local-only chain without local models is warned about", () => {
  const resolved = resolveText(`{ agents: { defaults: { privacy: "local-only", model: "anthropic/claude-opus-4-5" } },
    models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", keepWarm: { ttlSeconds: 7200 }, models: [{ id: "m" }] } } } }`);
  assert.deepEqual(resolved.catalog.models.get("lmstudio/m")?.params, { ttl: 7200 });
  assert.match(resolved.warnings[0]?.message ?? "", /local-only, but no model in the chain is local/);
});

test("failures in a row stop counting once the cooldown has long been over", () => {
  const clock = new ManualClock();
  const cooldowns = new Cooldowns(clock, { baseMs: 1000, timeoutBaseMs: 4000, maxMs: 8000 });
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  assert.equal(cooldowns.until("a/m"), clock.now() + 2000);
  clock.advance(2000 + 8000);
  assert.equal(cooldowns.size, 0, "forgotten: nothing is kept for the life of the process");
  cooldowns.fail("a/m", { kind: "unreachable", message: "x" });
  assert.equal(cooldowns.until("a/m"), clock.now() + 1000, "the first backoff again, not the third");
});

test("a server that cannot be reached cools every model served only there; an answer from it ends theirs, not a model's own cooldown", () => {
  const clock = new ManualClock();
  const cooldowns = new Cooldowns(clock, DEFAULT_COOLDOWN);
  cooldowns.knowServers([
    { ref: "lm/a", replicas: ["http://127.0.0.1:1234/v1"] },
    { ref: "lm/b", replicas: ["http://127.0.0.1:1234/v1/"] },
    { ref: "other/c", replicas: ["HTTP://127.0.0.1:1234/v1"] },
    { ref: "two/d", replicas: ["http://127.0.0.1:1234/v1", "http://127.0.0.1:5678/v1"] },
    { ref: "far/e", replicas: ["http://127.0.0.1:5678/v1"] },
  ]);
  cooldowns.fail("lm/b", { kind: "model-not-found", message: "no b" });
  cooldowns.fail("lm/a", { kind: "unreachable", message: "refused" });
  assert.equal(cooldowns.reason("lm/a"), "unreachable");
  assert.equal(cooldowns.reason("other/c"), "unreachable", "the same server under another provider (its URL written another way)");
  assert.equal(cooldowns.current("lm/b")?.failures, 2, "a model already cooling counts one more failure in a row");
  assert.equal(cooldowns.until("two/d"), undefined, "its other replica may answer");
  assert.equal(cooldowns.until("far/e"), undefined);

  cooldowns.fail("two/d", { kind: "timeout", phase: "connect", message: "no connection in time" });
  assert.equal(cooldowns.reason("far/e"), "timeout", "no connection in time on both its servers: every model served within them cools");
  cooldowns.succeed("far/e");
  assert.equal(cooldowns.until("two/d"), undefined, "one of its servers answered");
  assert.equal(cooldowns.reason("lm/a"), "timeout", "its only server never answered");

  cooldowns.fail("lm/b", { kind: "model-not-found", message: "no b" });
  cooldowns.fail("lm/a", { kind: "unreachable", message: "refused" });
  cooldowns.fail("lm/b", { kind: "model-not-found", message: "no b" });
  cooldowns.succeed("lm/a");
  assert.equal(cooldowns.until("other/c"), undefined, "its server answered");
  assert.equal(cooldowns.reason("lm/b"), "model-not-found", "its own failure is not the server's");

  cooldowns.fail("timeout/x", { kind: "timeout", phase: "first-byte", message: "hung" });
  assert.deepEqual(cooldowns.coolingProviders().sort(), ["lm", "timeout"], "a model it was not told of cools alone");
});

// The fix of a refused key names where the key sent really comes from (t15 #7): `models status --probe` and doctor's
// listing-failed said "check models.providers.anthropic.apiKey (or its environment variable)" while the key was in
// ~/.hearth/gateway.env — the user edited the config, where there is no key. One function (keyAdvice) words it everywhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { modelProblems } from "../../src/ops/status-problems.js";
import type { ProviderProbe } from "../../src/ops/probe-provider.js";
import { cooldownFix } from "../../src/ops/cooldown-advice.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { keyAdvice, type KeyWhere } from "../../src/models/key-advice.js";
import { Cooldowns, DEFAULT_COOLDOWN, type CooldownEntry, type CooldownPersistence } from "../../src/models/cooldowns.js";

const refused: ProviderProbe = { reachable: true, latencyMs: 3, failure: { kind: "auth", status: 401, message: "invalid x-api-key", keyRefused: true }, listed: undefined, lmStudio: undefined, responsesEndpoint: undefined };
const hosted = { ref: "anthropic/claude-sonnet-4-5", provider: "anthropic", id: "claude-sonnet-4-5", baseUrl: "https://api.anthropic.com", replicas: ["https://api.anthropic.com"], apiKey: "sk-ant-api03-FAKE", apiKeyEnv: "ANTHROPIC_API_KEY", local: false } as unknown as ModelSpec;

test("the probe's refused-key fix names gateway.env, the environment or the config — where the key came from", () => {
  const fixOf = (source: ModelSpec["apiKeySource"]): string => modelProblems({ ...hosted, apiKeySource: source }, refused, undefined, [])[0]?.fix ?? "";
  assert.equal(fixOf("gateway.env:ANTHROPIC_API_KEY"), "the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey)");
  assert.equal(fixOf("env:ANTHROPIC_API_KEY"), "the key is ANTHROPIC_API_KEY from the environment: set a valid one there (or give models.providers.anthropic.apiKey)");
  assert.equal(fixOf("config"), "the key is the config's models.providers.anthropic.apiKey: write a valid one there");
});

// t18 #5: the gateway was refused the key it read from gateway.env; `models status` run in a shell with its own
// ANTHROPIC_API_KEY told the user to fix "ANTHROPIC_API_KEY from the environment" — which the gateway never used.
test("a cooldown for a refused key says where the refusing process had its key, and that this command's key is another", () => {
  const gatewayKey: KeyWhere = { source: "gateway.env:ANTHROPIC_API_KEY", env: "ANTHROPIC_API_KEY", path: "models.providers.anthropic.apiKey" };
  const shellKey: KeyWhere = { source: "env:ANTHROPIC_API_KEY", env: "ANTHROPIC_API_KEY", path: "models.providers.anthropic.apiKey" };
  const entry = { kind: "auth" as const, until: 2_000, keyRefused: { why: "…", keyHash: "0123456789abcdef", fix: keyAdvice(gatewayKey) } };
  const differs = cooldownFix(entry, { key: shellKey, keyHash: "fedcba9876543210" });
  assert.equal(
    differs,
    "the server refused the key (401/403): the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey); this command has another key (ANTHROPIC_API_KEY from the environment): the refused one is still what is set where said; the wait ends with a successful answer or at its end",
  );
  // The same key here (its fingerprint matches): only where it is set, as the gateway knew it.
  const same = cooldownFix(entry, { key: shellKey, keyHash: "0123456789abcdef" });
  assert.ok(same.startsWith("the server refused the key (401/403): the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there"), same);
  assert.doesNotMatch(same, /another key/);
  // An entry of an older hearth (no `fix`): this command's own source, as before.
  const older = cooldownFix({ kind: "auth", until: 2_000, keyRefused: { why: "…" } }, { key: shellKey });
  assert.ok(older.startsWith("the server refused the key (401/403): the key is ANTHROPIC_API_KEY from the environment"), older);
});

test("the refusing process's words reach the cooldowns file, and a later process with another key is told apart from one with the same", () => {
  const persisted: Record<string, CooldownEntry> = {};
  const file: CooldownPersistence = { load: () => ({ ...persisted }), save: (entries) => Object.assign(persisted, entries), fingerprintKey: () => Buffer.alloc(32, 7), shares: "every" };
  const clock = new ManualClock(1_000);
  const gateway = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
  const fromFile = { ...hosted, apiKey: "sk-ant-api03-GATEWAYENV", apiKeySource: "gateway.env:ANTHROPIC_API_KEY" as const };
  gateway.knowServers([fromFile]);
  gateway.fail(fromFile.ref, { kind: "auth", message: "invalid x-api-key", keyRefused: true });
  const entry = persisted[fromFile.ref];
  assert.equal(entry?.keyRefused?.fix, "the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey)");
  const later = new Cooldowns(clock, DEFAULT_COOLDOWN, file);
  assert.equal(later.keyHashOf(fromFile), entry?.keyRefused?.keyHash);
  assert.notEqual(later.keyHashOf({ ...fromFile, apiKey: "sk-ant-api03-SHELLKEY" }), entry?.keyRefused?.keyHash);
});

// The providers panel (/api/status, `providerHealth`) says why a provider cools down: for a refused key, the words
// that name which key to fix (never the key) — not "cooling down after auth" (t11 #5), as doctor and the log do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FirstTokenRing } from "../../src/gateway/first-token-ring.js";
import { providerHealth } from "../../src/gateway/provider-health.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";

test("a refused key: the panel names the key to fix, for the whole provider and for one of its models; another failure its kind", () => {
  const { catalog } = resolveText(`{ agents: { defaults: { model: "openai/a" } },
    models: { mode: "replace", providers: { openai: { baseUrl: "https://api.openai.com/v1", apiKey: "sk-proj-0123456789abcdefghij", api: "openai-completions", models: [{ id: "a" }, { id: "b" }] } } } }`);
  const models = [...catalog.models.values()].filter((model) => model.provider === "openai");
  const clock = new ManualClock();
  const cooldowns = new Cooldowns(clock, DEFAULT_COOLDOWN);
  cooldowns.knowServers(models.map((model) => ({ ref: model.ref, provider: model.provider, replicas: model.replicas, apiKey: model.apiKey })));
  const sources = { catalog, agents: new Map(), cooldowns, latencies: new FirstTokenRing(clock), reachable: new Map() };

  cooldowns.fail("openai/a", { kind: "auth", status: 401, message: "Incorrect API key provided", keyRefused: true });
  const all = providerHealth("openai", models, sources);
  assert.equal(all.state, "cooling");
  assert.match(all.reason ?? "", /^the server refused the API key openai\/a was called with: .*apiKey.*; a reload with a new key/);
  assert.doesNotMatch(all.reason ?? "", /sk-proj/);

  cooldowns.succeed("openai/a");
  cooldowns.fail("openai/b", { kind: "rate-limit", status: 429, message: "slow down" });
  assert.match(providerHealth("openai", models, sources).reason ?? "", /^openai\/b is cooling down after rate-limit/);
});

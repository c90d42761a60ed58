// s27 review #7: one failed call in a command beside the gateway made the provider "down" until something answered.
// Now: down only when the command could not reach its server (and the gateway's own setup check does not find it
// answering); any other failure is the reason on what the gateway would otherwise say.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FirstTokenRing } from "../../src/gateway/first-token-ring.js";
import { providerHealth, type HealthSources } from "../../src/gateway/provider-health.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import type { ProviderOutcome } from "../../src/models/provider-outcomes-file.js";
import type { ServerLook } from "../../src/models/reachability.js";
import { lookKey } from "../../src/models/reachability.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";

const { catalog } = resolveText(`{ agents: { defaults: { model: "spare/a" } },
  models: { mode: "replace", providers: { spare: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "a" }, { id: "b" }] } } } }`);
const models = [...catalog.models.values()].filter((model) => model.provider === "spare");
const clock = new ManualClock();

function health(failed: ProviderOutcome["failed"], options: { answered?: boolean; serverAnswers?: boolean } = {}) {
  const latencies = new FirstTokenRing(clock);
  const answers: [number, number][] = options.answered ? [[clock.now() - 60_000, 40]] : [];
  const reachable = new Map<string, ServerLook>(options.serverAnswers ? models.map((model) => [lookKey(model), { state: "answers" } as ServerLook]) : []);
  const sources: HealthSources = { catalog, agents: new Map(), cooldowns: new Cooldowns(clock, DEFAULT_COOLDOWN), latencies, reachable, elsewhere: new Map([["spare", { answers, failed }]]) };
  return providerHealth("spare", models, sources);
}

test("a server a command could not reach: down, said with when", () => {
  const said = health({ at: clock.now() - 1_000, outcome: "unreachable" });
  assert.equal(said.state, "down");
  assert.match(said.reason ?? "", /a hearth command beside the gateway found it .* at \d\d:\d\d/);
});

test("the gateway's own setup check finding the server answering overrules it: up", () => {
  assert.equal(health({ at: clock.now() - 1_000, outcome: "unreachable" }, { serverAnswers: true }).state, "up");
});

for (const outcome of ["server-error", "model-not-found", "rate-limit", "timeout"]) {
  test(`a ${outcome} in a command is the reason, not "down": unknown before any answer, up after one`, () => {
    const never = health({ at: clock.now() - 1_000, outcome });
    assert.equal(never.state, "unknown");
    assert.match(never.reason ?? "", /a hearth command beside the gateway found it/);
    assert.equal(health({ at: clock.now() - 1_000, outcome }, { answered: true }).state, "up");
  });
}

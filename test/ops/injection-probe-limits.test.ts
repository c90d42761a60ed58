import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { createAdapterRegistry } from "../../src/cli/wire-adapters.js";
import { INJECTION_BATTERY } from "../../src/ops/security/injection-battery.js";
import { runInjectionProbe } from "../../src/ops/security/injection-probe.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";

const model = (baseUrl: string): ModelSpec => ({
  ref: "local/m",
  provider: "local",
  id: "m",
  name: "m",
  api: "openai-completions",
  baseUrl,
  replicas: [baseUrl],
  apiKey: undefined,
  headers: {},
  timeoutSeconds: undefined,
  reasoning: false,
  input: ["text"],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 32768,
  maxTokens: 4096,
  local: true,
  onColdLoad: "wait",
  coldLoadTimeoutSeconds: 600,
  keepWarmIntervalSeconds: undefined,
  params: {},
  source: "config",
});

const tools = ["time", "memory", "web_fetch"].map((name) => ({ name, description: name, parameters: { type: "object", properties: {} } }));

describe("the injection probe is bounded", () => {
  let server: FakeServer;
  const http = new HttpClient();
  before(async () => {
    server = await startFakeServer(() => ({ kind: "hang-before-headers" }));
  });
  after(async () => {
    http.destroy();
    await server.close();
  });

  test("a server that never answers: each case ends at its limit, and cases past the total limit are not run", async () => {
    const report = await runInjectionProbe({ model: model(`${server.url}/v1`), systemPrompt: "You are hearth.", tools, registry: createAdapterRegistry(http), caseTimeoutMs: 150, totalTimeoutMs: 400 });
    const byOutcome = (outcome: string) => report.cases.filter((entry) => entry.outcome === outcome);
    // No exec tool: its three cases are skipped for that, whatever the time.
    assert.deepEqual(report.cases.filter((entry) => entry.outcome === "skipped" && entry.reason.includes("no exec tool")).map((entry) => entry.id), INJECTION_BATTERY.filter((entry) => entry.target === "exec").map((entry) => entry.id));
    assert.ok(byOutcome("failed").length >= 1);
    assert.ok(byOutcome("failed").every((entry) => entry.outcome === "failed" && /^(no answer within the case limit|stopped at the probe's total time limit)$/.test(entry.reason)));
    assert.ok(report.cases.some((entry) => entry.outcome === "skipped" && entry.reason.includes("total time limit")));
    assert.equal(report.overall.run, 0);
    assert.equal(report.overall.rate, null);
    assert.deepEqual(report.deny, []);
  });
});

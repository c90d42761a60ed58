// The fix of a refused key names where the key sent really comes from (t15 #7): `models status --probe` and doctor's
// listing-failed said "check models.providers.anthropic.apiKey (or its environment variable)" while the key was in
// ~/.hearth/gateway.env — the user edited the config, where there is no key. One function (keyAdvice) words it everywhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelSpec } from "../../src/ai/model-spec.js";
import { modelProblems } from "../../src/ops/status-problems.js";
import type { ProviderProbe } from "../../src/ops/probe-provider.js";

const refused: ProviderProbe = { reachable: true, latencyMs: 3, failure: { kind: "auth", status: 401, message: "invalid x-api-key", keyRefused: true }, listed: undefined, lmStudio: undefined, responsesEndpoint: undefined };
const hosted = { ref: "anthropic/claude-sonnet-4-5", provider: "anthropic", id: "claude-sonnet-4-5", baseUrl: "https://api.anthropic.com", replicas: ["https://api.anthropic.com"], apiKey: "sk-ant-api03-FAKE", apiKeyEnv: "ANTHROPIC_API_KEY", local: false } as unknown as ModelSpec;

test("the probe's refused-key fix names gateway.env, the environment or the config — where the key came from", () => {
  const fixOf = (source: ModelSpec["apiKeySource"]): string => modelProblems({ ...hosted, apiKeySource: source }, refused, undefined, [])[0]?.fix ?? "";
  assert.equal(fixOf("gateway.env:ANTHROPIC_API_KEY"), "the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey)");
  assert.equal(fixOf("env:ANTHROPIC_API_KEY"), "the key is ANTHROPIC_API_KEY from the environment: set a valid one there (or give models.providers.anthropic.apiKey)");
  assert.equal(fixOf("config"), "the key is the config's models.providers.anthropic.apiKey: write a valid one there");
});

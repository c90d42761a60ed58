import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { configJsonSchema } from "../../src/config/json-schema.js";
import { repoRoot } from "../helpers/run-cli.js";

test("the published JSON Schema matches the config schema (run npm run build to refresh it)", () => {
  const published = JSON.parse(readFileSync(join(repoRoot, "schema/hearth.schema.json"), "utf8"));
  assert.deepEqual(published, JSON.parse(JSON.stringify(configJsonSchema())));
  assert.equal(published.additionalProperties, false);
  assert.deepEqual(published.properties.models.properties.providers.additionalProperties.properties.api.enum, ["openai-responses", "openai-completions", "anthropic-messages", "ollama"]);
});

test("the model shorthand (a bare reference) is allowed for editors too", () => {
  const model = (configJsonSchema() as { properties: { agents: { properties: { defaults: { properties: { model: { anyOf?: { type?: string }[] } } } } } } }).properties.agents.properties.defaults.properties.model;
  assert.equal(model.anyOf?.[0]?.type, "string");
  assert.equal(model.anyOf?.[1]?.type, "object");
});

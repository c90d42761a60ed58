import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { configSchema } from "../../src/config/schema/index.js";
import { repoRoot } from "../helpers/run-cli.js";

test("the published JSON Schema matches the config schema (run npm run build to refresh it)", () => {
  const published = JSON.parse(readFileSync(join(repoRoot, "schema/hearth.schema.json"), "utf8"));
  const current = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  assert.deepEqual(published.properties, current.properties);
  assert.equal(published.additionalProperties, false);
  assert.deepEqual(published.properties.models.properties.providers.additionalProperties.properties.api.enum, ["openai-responses", "openai-completions", "anthropic-messages"]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { substituteEnv } from "../../src/config/substitute-env.js";
import { configErrorText, resolveText } from "../helpers/config.js";

test("${VAR} is replaced in any string value, nested or in lists", () => {
  const result = substituteEnv({ a: "${HOST}:${PORT}", list: ["x-${PORT}"], n: 3 }, { HOST: "127.0.0.1", PORT: "1234" });
  assert.deepEqual(result.value, { a: "127.0.0.1:1234", list: ["x-1234"], n: 3 });
  assert.deepEqual([...result.used].sort(), [["HOST", "127.0.0.1"], ["PORT", "1234"]]);
  assert.deepEqual(result.problems, []);
});

test("$${VAR} stands for a literal ${VAR}", () => {
  const result = substituteEnv({ a: "$${HOME} and ${X}" }, { X: "x" });
  assert.deepEqual(result.value, { a: "${HOME} and x" });
  assert.deepEqual(result.problems, []);
});

test("a missing variable is an error naming the variable and the key path, with the line", () => {
  const text = '{\n  models: { providers: { lmstudio: {\n    baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses",\n    apiKey: "${LMSTUDIO_API_KEY}",\n  } } },\n}';
  assert.equal(
    configErrorText(() => resolveText(text, {})),
    [
      "hearth.json5 has 1 problem:",
      'hearth.json5:4:5: models.providers.lmstudio.apiKey: environment variable LMSTUDIO_API_KEY is not set (referenced as "${LMSTUDIO_API_KEY}"); set it, or write the value in the config',
    ].join("\n"),
  );
  const resolved = resolveText(text, { LMSTUDIO_API_KEY: "from-env" });
  assert.equal(resolved.catalog.providers.get("lmstudio")?.apiKey, "from-env");
});

test("$VAR without braces is left alone, with a warning", () => {
  const result = substituteEnv({ models: { providers: { x: { apiKey: "$OPENAI_API_KEY" } } } }, { OPENAI_API_KEY: "sk" });
  assert.deepEqual(result.value, { models: { providers: { x: { apiKey: "$OPENAI_API_KEY" } } } });
  assert.equal(result.problems.length, 1);
  assert.deepEqual(result.problems[0], {
    severity: "warning",
    path: ["models", "providers", "x", "apiKey"],
    message: '"$OPENAI_API_KEY" is not substituted; write "${OPENAI_API_KEY}" to use the environment variable',
  });
});

test("a malformed reference is an error", () => {
  const result = substituteEnv({ a: "${not valid}" }, {});
  assert.equal(result.problems[0]?.severity, "error");
  assert.match(result.problems[0]?.message ?? "", /"\$\{not valid\}" is not a valid environment variable reference/);
});

test("an empty variable counts as missing", () => {
  const result = substituteEnv({ a: "${EMPTY}" }, { EMPTY: "" });
  assert.match(result.problems[0]?.message ?? "", /environment variable EMPTY is not set/);
});

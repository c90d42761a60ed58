// "did you mean" never points a typo at a different, dearer model: the trial's `claude-sonet-4-5` (one
// letter off the catalog's claude-sonnet-4-5) was answered with the user's own Opus alias, because the
// user's names were suggested alone whenever one was within reach. Now a closer name comes first.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

describe("config validate: the closest model first", () => {
  const temp = tempDir();
  const validate = async (fallback: string): Promise<string> => {
    const file = temp.write(
      `c-${Math.random().toString(36).slice(2)}.json5`,
      `{
  agents: { defaults: {
    model: { primary: "lmstudio/minimax-m2.1-gs32", fallbacks: [${JSON.stringify(fallback)}] },
    models: { "anthropic/claude-opus-4-5": { alias: "Opus" }, "lmstudio/minimax-m2.1-gs32": { alias: "Minimax" } },
  } },
  models: { mode: "merge", providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1-gs32", contextWindow: 196608, maxTokens: 8192 }] } } },
}
`,
    );
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    return result.stderr;
  };

  test("a one-letter typo of a catalog model names that model first, the user's own close name after it", async () => {
    assert.match(await validate("anthropic/claude-sonet-4-5"), /agents\.defaults\.model\.fallbacks\[0\]: "anthropic\/claude-sonet-4-5" is not a model of provider "anthropic"; did you mean one of "anthropic\/claude-sonnet-4-5", "anthropic\/claude-opus-4-5"\?/);
  });

  test("where the user's own name is the closest, it alone is suggested, as before", async () => {
    assert.match(await validate("anthropic/claude-opuss-4-5"), /; did you mean "anthropic\/claude-opus-4-5"\?/);
    assert.match(await validate("Minimx"), /"Minimx" is not a known model or alias; did you mean "Minimax"\?/);
  });
});

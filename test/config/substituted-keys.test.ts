import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

/**
 * A key written `"${MY_PROVIDER}"` becomes "acme" before any check runs; the user's file never says
 * "acme". Every problem under such a key names it as written (with what it became) and points at
 * the line and column where it is written.
 */
describe("config problems under a key written with ${VAR}", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const env = { MY_PROVIDER: "acme", MY_MODEL: "qwen", MY_SECTION: "modelz" };

  const validate = async (name: string, text: string, json = false) => {
    const file = temp.write(name, text);
    return { file, result: await runCli(["config", "validate", "--config", file, ...(json ? ["--json"] : [])], { env }) };
  };

  test("unknown keys, bad values, a duplicate id and an unknown key that is itself a ${VAR}: each named as written, at its own line", async () => {
    const text = [
      "{",
      "  models: {",
      "    providers: {",
      '      "${MY_PROVIDER}": {',
      '        baseUrl: "http://127.0.0.1:9/v1",',
      '        api: "openai-response",',
      "        bogus: 1,",
      "        models: [",
      '          { id: "m1" },',
      '          { id: "m1", contextWindow: "big" },',
      "        ],",
      "      },",
      "    },",
      "  },",
      "  agents: {",
      "    defaults: {",
      '      "${MY_SECTION}": {},',
      "    },",
      "  },",
      "}",
    ].join("\n");
    const { file, result } = await validate("keys.json5", text);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.split("\n");
    const line = (pattern: RegExp): string => {
      const found = lines.find((candidate) => pattern.test(candidate));
      assert.ok(found, `no line matches ${pattern}:\n${result.stderr}`);
      return found;
    };
    const provider = 'models.providers["${MY_PROVIDER}"]';
    const became = '("${MY_PROVIDER}" is "acme")';
    assert.equal(line(/\.api /), `  ${file}:6:9: ${provider}.api ${became}: "openai-response" is not a known API; did you mean "openai-responses"? (allowed: "openai-responses", "openai-completions", "anthropic-messages", "ollama")`);
    assert.match(line(/\.bogus /), new RegExp(`^  ${escape(`${file}:7:9: ${provider}.bogus ${became}: unknown key`)}`));
    assert.match(line(/contextWindow/), new RegExp(`^  ${escape(`${file}:10:23: ${provider}.models[1].contextWindow ${became}: expected a number, got "big"`)}`));
    assert.equal(line(/models\[1\]\.id/), `  ${file}:10:13: ${provider}.models[1].id ${became}: "m1" is listed twice in this provider (also at ${provider}.models[0] ${became}; model names match regardless of case)`);
    assert.match(line(/MY_SECTION/), new RegExp(`^  ${escape(`${file}:17:7: agents.defaults["\${MY_SECTION}"] ("\${MY_SECTION}" is "modelz"): unknown key; did you mean one of "model", "models"?`)}`));
    assert.doesNotMatch(result.stderr, /models\.providers\.acme|defaults\.modelz/);
  });

  test("a model ref a ${VAR} key names, and a key that is another's once substituted: named as written, at the key", async () => {
    const text = [
      "{",
      "  models: { providers: { local: {",
      '    baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions",',
      '    models: [{ id: "qwen" }],',
      "  } } },",
      "  agents: { defaults: {",
      '    model: { primary: "local/qwen" },',
      "    models: {",
      '      "local/${MY_MODEL}-8b": { alias: "q8" },',
      '      "local/qwen": { alias: "q" },',
      '      "local/${MY_MODEL}": { alias: "qq" },',
      "    },",
      "  } },",
      "}",
    ].join("\n");
    const { file, result } = await validate("refs.json5", text);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`\\n  ${escape(`${file}:9:7: agents.defaults.models["local/\${MY_MODEL}-8b"] ("local/\${MY_MODEL}-8b" is "local/qwen-8b"): "local/qwen-8b" is not a model of provider "local"`)}`));
    // The repeat is the later key, where it is written; not the first one it repeats.
    assert.match(result.stderr, new RegExp(`\\n  ${escape(`${file}:11:7: agents.defaults.models["local/\${MY_MODEL}"]: "local/\${MY_MODEL}" is "local/qwen" once its variables are substituted, the same key as the one beside it`)}`));
  });

  test("a provider key that is a ${VAR}, with no models: the fix names the key as written", async () => {
    const text = [
      "{",
      '  models: { providers: { "${MY_PROVIDER}": { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions" } } },',
      '  agents: { defaults: { model: { primary: "acme/m" } } },',
      "}",
    ].join("\n");
    const { file, result } = await validate("empty.json5", text);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`${escape(`${file}:3:34: agents.defaults.model.primary: provider "acme" lists no models; add { id: "m", … } to models.providers["\${MY_PROVIDER}"].models ("\${MY_PROVIDER}" is "acme")`)}`));
  });

  test("warnings of a valid config (plain text and --json): path as written, located where written", async () => {
    const text = [
      "{",
      '  models: { providers: { "${MY_PROVIDER}": {',
      '    baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions",',
      '    headers: { "X-Team": "$TEAM" },',
      '    models: [{ id: "m" }],',
      "  } } },",
      '  agents: { defaults: { model: { primary: "acme/m" } } },',
      "}",
    ].join("\n");
    const plain = await validate("warn.json5", text);
    assert.equal(plain.result.code, 0, plain.result.stderr);
    assert.match(plain.result.stderr, new RegExp(`^${escape(`${plain.file}:4:16: warning: models.providers["\${MY_PROVIDER}"].headers.X-Team ("\${MY_PROVIDER}" is "acme"): "$TEAM" is not substituted`)}`, "m"));
    const json = await validate("warn-json.json5", text, true);
    assert.equal(json.result.code, 0, json.result.stderr);
    const warnings = (JSON.parse(json.result.stdout) as { warnings: { path: string; where: string }[] }).warnings;
    const warning = warnings.find((candidate) => candidate.path.includes("X-Team"));
    assert.deepEqual(warning && { path: warning.path, where: warning.where }, { path: 'models.providers["${MY_PROVIDER}"].headers.X-Team ("${MY_PROVIDER}" is "acme")', where: `${json.file}:4:16` });
  });

  test("a key from a secret-named variable: named as written, its value never shown", async () => {
    const text = '{\n  models: { providers: { local: {\n    baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions",\n    headers: { "${HEADER_TOKEN}": 5 },\n  } } },\n}';
    const file = temp.write("secret.json5", text);
    const result = await runCli(["config", "validate", "--config", file], { env: { HEADER_TOKEN: "s3cr3t-value-XYZ" } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(escape(`${file}:4:16: models.providers.local.headers["\${HEADER_TOKEN}"] ("\${HEADER_TOKEN}" is set (value hidden)): expected a string`)));
    assert.doesNotMatch(result.stderr, /s3cr3t/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// `hearth config validate` lists every problem of a file in one run: the schema's and those of the
// references in the parts that passed it — and none that a rejected part caused.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

/** Line and column (1-based) of the first `needle` in `text` (after the first `from`, when given): where a problem at a key or a list item is located. */
function at(text: string, needle: string, from = ""): string {
  const index = text.indexOf(needle, from ? text.indexOf(from) : 0);
  assert.ok(index >= 0, `${needle} is in the file`);
  const before = text.slice(0, index).split("\n");
  return `${before.length}:${(before[before.length - 1] ?? "").length + 1}`;
}

/** "  file:line:col: path" of a problem line (the heading whole). */
const wherePart = (line: string): string => line.split(": ").slice(0, 2).join(": ");

describe("config validate: every problem at once (the real bin/hearth)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const validate = async (name: string, text: string) => {
    const file = temp.write(name, text);
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    return { file, lines: result.stderr.trimEnd().split("\n") };
  };

  test("a value of the wrong type and an unknown primary: both, each with file:line:col", async () => {
    const text = `{
  agents: { defaults: { model: { primary: "lmstudio/nope", fallbacks: ["lmstudio/qwen"] } } },
  models: {
    providers: {
      lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "qwen", contextWindow: "2k" }] },
    },
  },
}
`;
    const { file, lines } = await validate("two.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 2 problems:`,
      `  ${file}:${at(text, "primary:")}: agents.defaults.model.primary: "lmstudio/nope" is not a model of provider "lmstudio"; add { id: "nope", … } to models.providers.lmstudio.models`,
      `  ${file}:${at(text, "contextWindow:")}: models.providers.lmstudio.models[0].contextWindow: expected a number, got "2k"`,
    ]);
  });

  test("unknown fallbacks, alias keys, compaction model and agent beside schema errors; a fallback after a rejected item keeps its own index and line", async () => {
    const text = `{
  agents: {
    defaults: {
      model: { primary: "local/m", fallbacks: ["local/m2", 42, "local/gone"] },
      models: { "local/missing": { alias: "M" } },
      compaction: { model: "local/nothing" },
      maxSteps: 0,
    },
    list: [{ id: "helper", maxSteps: "many" }],
  },
  models: {
    mode: "replace",
    providers: { local: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "m" }, { id: "m2" }] } },
  },
  channels: { whatsapp: { agent: "helpr", dmPolicy: "everyone" } },
}
`;
    const { file, lines } = await validate("refs.json5", text);
    assert.deepEqual(lines.map(wherePart), [
      `hearth: ${file} has 8 problems:`,
      `  ${file}:${at(text, "42")}: agents.defaults.model.fallbacks[1]`,
      `  ${file}:${at(text, '"local/gone"')}: agents.defaults.model.fallbacks[2]`,
      `  ${file}:${at(text, '"local/missing"')}: agents.defaults.models["local/missing"]`,
      `  ${file}:${at(text, "model:", "compaction")}: agents.defaults.compaction.model`,
      `  ${file}:${at(text, "maxSteps:")}: agents.defaults.maxSteps`,
      `  ${file}:${at(text, "maxSteps:", "list")}: agents.list[0].maxSteps`,
      `  ${file}:${at(text, "agent:")}: channels.whatsapp.agent`,
      `  ${file}:${at(text, "dmPolicy:")}: channels.whatsapp.dmPolicy`,
    ]);
    assert.match(lines.join("\n"), /fallbacks\[2\]: "local\/gone" is not a model of provider "local"/);
  });

  // A value of the wrong type stops zod before the check of the whole config that names the agent.
  test("an unknown agent for WhatsApp is named beside a value of the wrong type elsewhere", async () => {
    const text = `{
  agents: { list: [{ id: "helper" }], defaults: { maxSteps: "many" } },
  channels: { whatsapp: { agent: "helpr" } },
}
`;
    const { file, lines } = await validate("agent.json5", text);
    assert.equal(lines[0], `hearth: ${file} has 2 problems:`);
    assert.match(lines[1] ?? "", new RegExp(`^  ${file}:${at(text, "maxSteps:")}: agents\\.defaults\\.maxSteps: `));
    assert.equal(lines[2], `  ${file}:${at(text, "agent:")}: channels.whatsapp.agent: no agent "helpr" (agents: main, helper); add it to agents.list or name one of these`);
  });

  test("an agent whose entry was rejected is not called unknown where WhatsApp names it", async () => {
    const text = `{
  agents: { list: [{ id: "help me" }] },
  channels: { whatsapp: { agent: "help me" } },
}
`;
    const { file, lines } = await validate("agent-rejected.json5", text);
    assert.deepEqual(lines.map(wherePart), [`hearth: ${file} has 1 problem:`, `  ${file}:${at(text, "id:")}: agents.list[0].id`]);
  });

  test("nothing that follows from a rejected part: references to a model whose entry, api or provider was rejected, an alias that was rejected", async () => {
    const text = `{
  agents: {
    defaults: {
      model: { primary: "local/m", fallbacks: ["typo/x", "Fast", "other/zzz"] },
      models: { "local/m": { alias: 5 }, "typo/x": { alias: "Fast" } },
    },
  },
  models: {
    mode: "replace",
    providers: {
      local: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ name: "no id here" }] },
      typo: { baseUrl: "http://127.0.0.1:1235/v1", api: "openai-response", models: [{ id: "x" }] },
      other: { baseUrl: "http://127.0.0.1:1236/v1", api: "openai-completions", models: [{ id: "y" }] },
    },
  },
}
`;
    const { file, lines } = await validate("follow.json5", text);
    assert.deepEqual(lines.map(wherePart), [
      `hearth: ${file} has 4 problems:`,
      `  ${file}:${at(text, '"other/zzz"')}: agents.defaults.model.fallbacks[2]`,
      `  ${file}:${at(text, "alias:")}: agents.defaults.models["local/m"].alias`,
      `  ${file}:${at(text, "{ name")}: models.providers.local.models[0].id`,
      `  ${file}:${at(text, "api:", "typo:")}: models.providers.typo.api`,
    ]);
  });

  test("an unknown key that may be a known one misspelled: nothing said of what it might have held", async () => {
    const text = `{
  agents: { defaults: { model: { primary: "lmstudio/qwen", fallbacks: ["Q"] } } },
  modles: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen" }] } } },
}
`;
    const { file, lines } = await validate("misspelled.json5", text);
    assert.deepEqual(lines, [`hearth: ${file} has 1 problem:`, `  ${file}:${at(text, "modles:")}: modles: unknown key; did you mean "models"?`]);
  });
});

// `hearth config validate` says each problem once, where the user wrote it: no follow-on errors for
// references into a rejected part, inherited names at agents.defaults, duplicates whatever else fails.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

/** Line and column (1-based) of the first `needle` in `text` (after the first `from`, when given). */
function at(text: string, needle: string, from = ""): string {
  const index = text.indexOf(needle, from ? text.indexOf(from) : 0);
  assert.ok(index >= 0, `${needle} is in the file`);
  const before = text.slice(0, index).split("\n");
  return `${before.length}:${(before[before.length - 1] ?? "").length + 1}`;
}

describe("config validate: exact errors (the real bin/hearth)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const validate = async (name: string, text: string) => {
    const file = temp.write(name, text);
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    return { file, lines: result.stderr.trimEnd().split("\n") };
  };

  test("references into a provider rejected for its own problem (no baseUrl) are not called unknown: primary, fallbacks, model keys, aliases, agents", async () => {
    const text = `{
  agents: {
    defaults: { model: { primary: "m/qwen", fallbacks: ["m/x", "Q"] }, models: { "m/qwen": { alias: "Q" } } },
    list: [{ id: "z", model: "m/x", compaction: { model: "qwen" } }],
  },
  models: { providers: { m: { api: "openai-completions", models: [{ id: "qwen" }, { id: "x" }] } } },
}
`;
    const { file, lines } = await validate("no-base-url.json5", text);
    assert.equal(lines[0], `hearth: ${file} has 1 problem:`);
    assert.match(lines[1] ?? "", new RegExp(`^  ${file}:${at(text, "m: {")}: models\\.providers\\.m\\.baseUrl: missing; `));
    assert.equal(lines.length, 2, lines.join("\n"));
  });

  test("a provider whose baseUrl the schema rejects, a model with no api, an alias on a rejected key: nothing that names them (or the alias) is reported again", async () => {
    const text = `{
  agents: {
    defaults: { model: { primary: "m/qwen", fallbacks: ["n/y", "Y", "gone/a", "L"] }, models: { "gone/a": { alias: "L" }, "n/y": { alias: "Y" } } },
  },
  models: {
    mode: "replace",
    providers: {
      m: { baseUrl: "not a url", api: "openai-completions", models: [{ id: "qwen" }] },
      n: { baseUrl: "http://127.0.0.1:1234/v1", models: [{ id: "y" }] },
    },
  },
}
`;
    const { file, lines } = await validate("rejected.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")), [
      `hearth: ${file} has 4 problems:`,
      // "gone/a" names no provider where it is written: its own error; "L", the alias on it, is not.
      `  ${file}:${at(text, '"gone/a"')}: agents.defaults.model.fallbacks[2]`,
      `  ${file}:${at(text, '"gone/a":')}: agents.defaults.models["gone/a"]`,
      `  ${file}:${at(text, "baseUrl:")}: models.providers.m.baseUrl`,
      `  ${file}:${at(text, "{ id:", "n: {")}: models.providers.n.models[0]`,
    ]);
  });

  test("an unknown model in agents.defaults is reported there once, not again at each agent that inherits it", async () => {
    const text = `{
  agents: {
    defaults: { model: { primary: "lmstudio/nope", fallbacks: ["lmstudio/gone"] } },
    list: [{ id: "a", model: { fallbacks: ["lmstudio/qwen"] } }, { id: "b", model: "lmstudio/qwen" }],
  },
  models: { mode: "replace", providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen" }] } } },
}
`;
    const { file, lines } = await validate("inherited.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")), [
      `hearth: ${file} has 2 problems:`,
      `  ${file}:${at(text, "primary:")}: agents.defaults.model.primary`,
      `  ${file}:${at(text, '"lmstudio/gone"')}: agents.defaults.model.fallbacks[0]`,
    ]);
  });

  test("a duplicate agent id is found whatever else fails (another entry's error, a rejected alias, a rejected provider)", async () => {
    const text = `{
  agents: {
    defaults: { models: { "m/q": { alias: 5 } } },
    list: [{ id: "a" }, { id: "b", maxSteps: 0 }, { id: "a" }, { name: "no id" }, { id: "b" }],
  },
  models: { providers: { m: { baseUrl: "x", api: "openai-completions", models: [{ id: "q" }] } } },
}
`;
    const { file, lines } = await validate("dup-agents.json5", text);
    const third = text.indexOf('{ id: "a" }', text.indexOf('{ id: "a" }') + 1);
    const fifth = text.indexOf('{ id: "b" }');
    const position = (index: number) => at(text.slice(index), "id:").split(":").map(Number);
    const where = (index: number) => {
      const [line, column] = position(index);
      const lineOf = text.slice(0, index).split("\n").length;
      const columnOf = index - text.lastIndexOf("\n", index - 1);
      return `${lineOf + (line ?? 1) - 1}:${(line === 1 ? columnOf - 1 : 0) + (column ?? 0)}`;
    };
    assert.ok(lines.includes(`  ${file}:${where(third)}: agents.list[2].id: agent "a" is listed twice (also at agents.list[0]); give each agent its own id`), lines.join("\n"));
    assert.ok(lines.includes(`  ${file}:${where(fifth)}: agents.list[4].id: agent "b" is listed twice (also at agents.list[1]); give each agent its own id`), lines.join("\n"));
    assert.equal(lines[0], `hearth: ${file} has 6 problems:`, lines.join("\n"));
  });

  test("two model entries whose keys (or a key and another's id) make the same ref are refused, both paths named", async () => {
    const text = `{
  models: {
    mode: "replace",
    providers: {
      l: {
        baseUrl: "http://127.0.0.1:1234/v1",
        api: "openai-completions",
        models: [{ id: "a", key: "k" }, { id: "b", key: "k" }, { id: "c", key: "a" }, { id: "k" }, { id: "d", contextWindow: "2k" }],
      },
    },
  },
}
`;
    const { file, lines } = await validate("keys.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 4 problems:`,
      `  ${file}:${at(text, 'key: "k"', "{ id: \"b\"")}: models.providers.l.models[1].key: "l/k" would name two models: "k" is also models.providers.l.models[0].key; give each its own key`,
      `  ${file}:${at(text, 'key: "a"')}: models.providers.l.models[2].key: "l/a" would name two models: "a" is the id of models.providers.l.models[0]; choose another key`,
      `  ${file}:${at(text, 'id: "k"')}: models.providers.l.models[3].id: "l/k" would name two models: "k" is also models.providers.l.models[0].key; change that key, or give this entry another`,
      `  ${file}:${at(text, "contextWindow:")}: models.providers.l.models[4].contextWindow: expected a number, got "2k"`,
    ]);
  });

  test("what a rejected part could have named is read from the file: a reference to anything else is still reported", async () => {
    const text = `{
  agents: {
    defaults: { model: { primary: "l/qwen3", fallbacks: ["qwen3", "o/a", "a", "l/my key", "5"] }, models: { "l/qwen": { alias: 5 } } },
    list: [{ id: "a b" }, { id: "ok" }],
  },
  models: {
    mode: "replace",
    providers: {
      o: { baseUrl: "x", api: "openai-completions", models: [{ id: "a" }] },
      l: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "qwen" }, { id: "/m/x.gguf", key: "my key" }] },
    },
  },
  channels: { whatsapp: { agent: "helpr" } },
}
`;
    const { file, lines } = await validate("precise.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")), [
      `hearth: ${file} has 7 problems:`,
      `  ${file}:${at(text, "primary:")}: agents.defaults.model.primary`,
      `  ${file}:${at(text, '"qwen3"')}: agents.defaults.model.fallbacks[0]`,
      `  ${file}:${at(text, "alias:")}: agents.defaults.models["l/qwen"].alias`,
      `  ${file}:${at(text, "id:", "list:")}: agents.list[0].id`,
      `  ${file}:${at(text, "baseUrl:", "o:")}: models.providers.o.baseUrl`,
      `  ${file}:${at(text, "key:", "/m/x.gguf")}: models.providers.l.models[1].key`,
      `  ${file}:${at(text, "agent:")}: channels.whatsapp.agent`,
    ]);
    assert.match(lines.join("\n"), /channels\.whatsapp\.agent: no agent "helpr"/);
  });

  test("a value whose ${VAR} is set nowhere is said to be unset, not judged again as the reference text (too short a token, not a number)", async () => {
    const text = `{
  gateway: { port: "\${NOPE_PORT}", auth: { token: "\${NOPE_TOKEN}" } },
}
`;
    const { file, lines } = await validate("unset.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 3).join(": ")), [
      `hearth: ${file} has 2 problems:`,
      `  ${file}:${at(text, "port:")}: gateway.port: environment variable NOPE_PORT is not set (referenced as "\${NOPE_PORT}"), nor in /nonexistent-home/.hearth/gateway.env; add NOPE_PORT=… there (every command and the installed gateway service read it), export it, or write the value in the config`,
      `  ${file}:${at(text, "token:")}: gateway.auth.token: environment variable NOPE_TOKEN is not set (referenced as "\${NOPE_TOKEN}"), nor in /nonexistent-home/.hearth/gateway.env; add NOPE_TOKEN=… there (every command and the installed gateway service read it), export it, or write the value in the config`,
    ]);
  });

  test("an inherited fallback an agent already has is a warning at the agent's model, naming where it is inherited from (no path the file lacks)", async () => {
    const text = `{
  agents: { defaults: { model: { primary: "l/a", fallbacks: ["l/b"] } }, list: [{ id: "z", model: "l/b" }] },
  models: { mode: "replace", providers: { l: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "a" }, { id: "b" }] } } },
}
`;
    const file = temp.write("inherited-twice.json5", text);
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^${file}:${at(text, "model:", "list:")}: warning: agents\\.list\\[0\\]\\.model: "l/b" \\(inherited from agents\\.defaults\\.model\\.fallbacks\\[0\\]\\) is already in this agent's chain; it is left out$`, "m"));
    assert.doesNotMatch(result.stderr, /agents\.list\[0\]\.model\.fallbacks/);
  });
});

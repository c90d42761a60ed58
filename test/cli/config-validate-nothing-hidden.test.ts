// `hearth config validate` (the real bin/hearth): an unknown key, a key written twice, names equal but
// for case, an unset variable in a key — each is a problem of its own, said once, and the rest of the
// file is still checked in the same run.
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

const LMS = `lms: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen" }, { id: "b" }] }`;

describe("config validate: nothing hidden, nothing twice (the real bin/hearth)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const run = async (name: string, text: string, env: NodeJS.ProcessEnv = {}) => {
    const file = temp.write(name, text);
    const result = await runCli(["config", "validate", "--config", file], { env });
    return { file, result, lines: result.stderr.trimEnd().split("\n") };
  };
  const invalid = async (name: string, text: string, env: NodeJS.ProcessEnv = {}) => {
    const { file, result, lines } = await run(name, text, env);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    return { file, lines };
  };

  for (const [where, text] of [
    ["at the top level", `{\n  gatway: { port: 1 },\n  agents: { defaults: { model: { primary: "nope/x" } } },\n  models: { providers: { ${LMS} } },\n}\n`],
    ["in models", `{\n  agents: { defaults: { model: { primary: "nope/x" } } },\n  models: { providers: { ${LMS} }, extra: 1 },\n}\n`],
    ["in a provider", `{\n  agents: { defaults: { model: { primary: "nope/x" } } },\n  models: { providers: { ${LMS.replace("models:", "extra: 1, models:")} } },\n}\n`],
    ["in agents", `{\n  agents: { defaults: { model: { primary: "nope/x" } }, extra: 1 },\n  models: { providers: { ${LMS} } },\n}\n`],
    ["in agents.defaults", `{\n  agents: { defaults: { model: { primary: "nope/x" }, extra: 1 } },\n  models: { providers: { ${LMS} } },\n}\n`],
  ] as const) {
    test(`an unknown key ${where} hides no reference error`, async () => {
      const { file, lines } = await invalid("unknown-key.json5", text);
      const unknown = at(text, text.includes("gatway") ? "gatway" : "extra");
      assert.deepEqual(
        lines.map((line) => line.split(": ").slice(0, 2).join(": ")).sort(),
        [
          `hearth: ${file} has 2 problems:`,
          `  ${file}:${at(text, "primary:")}: agents.defaults.model.primary`,
          `  ${file}:${unknown}: ${lines.find((line) => line.includes("unknown key"))?.split(": ")[1] ?? "?"}`,
        ].sort(),
      );
      assert.match(lines.join("\n"), /agents\.defaults\.model\.primary: no provider "nope"/);
      assert.match(lines.join("\n"), /: unknown key/);
    });
  }

  test("keys naming object internals are unknown keys of their own: the rest is checked in the same run, and a provider so named is a follow-on source", async () => {
    const text = `{
  constructor: 1,
  agents: { defaults: { model: { primary: "nope/x", fallbacks: ["constructor/x"] }, "__proto__": { a: 1 } } },
  models: { providers: { constructor: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "x" }] } } },
  gateway: { port: "x" },
}
`;
    const { file, lines } = await invalid("internals.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")), [
      `hearth: ${file} has 5 problems:`,
      `  ${file}:${at(text, "constructor:")}: constructor`,
      `  ${file}:${at(text, "primary:")}: agents.defaults.model.primary`,
      `  ${file}:${at(text, '"__proto__"')}: agents.defaults.__proto__`,
      `  ${file}:${at(text, "constructor:", "providers")}: models.providers.constructor`,
      `  ${file}:${at(text, "port:")}: gateway.port`,
    ]);
  });

  test("an unknown key that may be a misspelled one a reference needs still hides what that key would have held", async () => {
    const text = `{\n  agents: { defaults: { model: { primary: "lms/qwen" } } },\n  models: { providers: { lms: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", modles: [{ id: "qwen" }] } } },\n}\n`;
    const { file, lines } = await invalid("modles.json5", text);
    assert.deepEqual(lines, [`hearth: ${file} has 1 problem:`, `  ${file}:${at(text, "modles")}: models.providers.lms.modles: unknown key; did you mean "models"?`]);
  });

  test("model keys and provider model ids that differ only in case are duplicates, both paths named", async () => {
    const text = `{
  agents: { defaults: { models: { "lms/qwen": { alias: "A" }, "lms/QWEN": { alias: "B" } } } },
  models: {
    providers: {
      lms: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen" }] },
      two: { baseUrl: "http://127.0.0.1:1235/v1", api: "openai-completions", models: [{ id: "qwen" }, { id: "QWEN" }] },
    },
  },
}
`;
    const { file, lines } = await invalid("case.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 2 problems:`,
      `  ${file}:${at(text, '"lms/QWEN"')}: agents.defaults.models["lms/QWEN"]: names the same model as agents.defaults.models["lms/qwen"] (model names match regardless of case); keep one key for it`,
      `  ${file}:${at(text, 'id: "QWEN"')}: models.providers.two.models[1].id: "QWEN" is listed twice in this provider (also at models.providers.two.models[0]; model names match regardless of case)`,
    ]);
  });

  test("provider ids that differ only in case are refused (one ref would name two providers)", async () => {
    const text = `{
  agents: { defaults: { model: { primary: "lc/a", fallbacks: ["LC/A"] } } },
  models: {
    providers: {
      lc: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "a" }] },
      LC: { baseUrl: "http://127.0.0.1:1235/v1", api: "openai-completions", models: [{ id: "a" }] },
    },
  },
}
`;
    const { file, lines } = await invalid("provider-case.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 1 problem:`,
      `  ${file}:${at(text, "LC: {")}: models.providers.LC: is models.providers.lc but for letter case: refs such as "LC/…" and "lc/…" would be one name for two providers; rename one of them`,
    ]);
  });

  test("two model keys naming one model by its id and by its key", async () => {
    const text = `{
  agents: { defaults: { models: { "lms/qwen": { alias: "A" }, "lms/k": { alias: "B" } } } },
  models: { providers: { lms: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen", key: "k" }] } } },
}
`;
    const { file, lines } = await invalid("id-and-key.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 1 problem:`,
      `  ${file}:${at(text, '"lms/k"')}: agents.defaults.models["lms/k"]: names the same model ("lms/k") as agents.defaults.models["lms/qwen"]; keep one key for it`,
    ]);
  });

  test("an alias equal to another model's ref but for case is refused (a lookup finds the alias first, in any case)", async () => {
    const text = `{
  agents: { defaults: { models: { "lms/qwen": { alias: "LMS/B" } } } },
  models: { providers: { ${LMS} } },
}
`;
    const { file, lines } = await invalid("alias-ref.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 1 problem:`,
      `  ${file}:${at(text, "alias:")}: agents.defaults.models["lms/qwen"].alias: alias "LMS/B" is the reference of another model; choose another alias`,
    ]);
  });

  test("a contextWindow that fails its own check is not compared with maxTokens; a providers list calls no reference unknown", async () => {
    const text = `{
  agents: { defaults: { model: { primary: "lms/qwen" } } },
  models: { providers: [] },
  gateway: { port: 1 },
}
`;
    const { file, lines } = await invalid("providers-list.json5", text);
    assert.deepEqual(lines, [`hearth: ${file} has 1 problem:`, `  ${file}:${at(text, "providers:")}: models.providers: expected an object { … }, got a list`]);
    const window = `{\n  models: { providers: { lms: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "qwen", contextWindow: -5, maxTokens: 1024 }] } } },\n}\n`;
    const second = await invalid("window.json5", window);
    assert.deepEqual(second.lines, [`hearth: ${second.file} has 1 problem:`, `  ${second.file}:${at(window, "contextWindow")}: models.providers.lms.models[0].contextWindow: must be greater than 0, got -5`]);
  });

  test("a duplicate alias is reported while the provider of its models is rejected", async () => {
    const text = `{
  agents: { defaults: { models: { "lms/qwen": { alias: "Fast" }, "lms/b": { alias: "fast" } } } },
  models: { providers: { ${LMS.replace("openai-completions", "openai-completionz")} } },
}
`;
    const { file, lines } = await invalid("alias.json5", text);
    assert.deepEqual(lines.map((line) => line.split(": ").slice(0, 2).join(": ")), [
      `hearth: ${file} has 2 problems:`,
      `  ${file}:${at(text, 'alias: "fast"')}: agents.defaults.models["lms/b"].alias`,
      `  ${file}:${at(text, "api:")}: models.providers.lms.api`,
    ]);
    assert.match(lines[1] ?? "", /alias "fast" is already used by "lms\/qwen"; aliases must be unique \(ignoring case\)$/);
  });

  test("${VAR} in a model key is substituted like a value; one set nowhere is reported once, at the key", async () => {
    const text = `{
  agents: { defaults: { model: "lms/\${MODEL}", models: { "lms/\${MODEL}": { alias: "F" } } } },
  models: { providers: { ${LMS} } },
}
`;
    const set = await run("key-var.json5", text, { MODEL: "qwen" });
    assert.equal(set.result.code, 0, set.result.stderr);
    assert.match(set.result.stdout, /is valid/);
    const unset = await invalid("key-var.json5", text);
    assert.equal(unset.lines[0], `hearth: ${unset.file} has 2 problems:`);
    assert.equal(unset.lines.length, 3, unset.lines.join("\n"));
    assert.match(unset.lines[1] ?? "", new RegExp(`^  ${unset.file}:${at(text, "model:")}: agents\\.defaults\\.model: environment variable MODEL is not set`));
    assert.match(unset.lines[2] ?? "", new RegExp(`^  ${unset.file}:${at(text, '"lms/', "models:")}: agents\\.defaults\\.models\\["lms/\\$\\{MODEL\\}"\\]: environment variable MODEL is not set`));
    const partly = `{\n  agents: { defaults: { model: "G", models: { "\${PROV}/\${NOPE}": { alias: "F" }, "lms/qwen": { alias: "G" } } } },\n  models: { providers: { ${LMS} } },\n}\n`;
    const half = await invalid("key-partly.json5", partly, { PROV: "lms" });
    assert.equal(half.lines.length, 2, half.lines.join("\n"));
    // Named as written (the file has no "lms/${NOPE}"), with what it became so far, at the key.
    assert.match(half.lines[1] ?? "", new RegExp(`^  ${half.file}:${at(partly, '"${PROV}')}: agents\\.defaults\\.models\\["\\$\\{PROV\\}/\\$\\{NOPE\\}"\\] \\("\\$\\{PROV\\}/\\$\\{NOPE\\}" is "lms/\\$\\{NOPE\\}"\\): environment variable NOPE is not set`));
    const collide = `{\n  agents: { defaults: { models: { "lms/\${MODEL}": { alias: "F" }, "lms/qwen": { alias: "G" } } } },\n  models: { providers: { ${LMS} } },\n}\n`;
    const both = await invalid("key-collide.json5", collide, { MODEL: "qwen" });
    assert.deepEqual(both.lines, [
      `hearth: ${both.file} has 1 problem:`,
      `  ${both.file}:${at(collide, '"lms/qwen"')}: agents.defaults.models["lms/qwen"]: "lms/qwen" is "lms/qwen" once its variables are substituted, the same key as "lms/\${MODEL}" beside it; only one can count: merge them`,
    ]);
  });

  test("a key written twice in one object, at any level, names both lines; the later value is still checked", async () => {
    const text = `{
  gateway: { port: 1 },
  models: { providers: { ${LMS.replace('{ id: "b" }', '{ id: "b", "id": "c" }')} } },
  "gateway": { port: 2,
    port: "x" },
}
`;
    const { file, lines } = await invalid("twice.json5", text);
    assert.deepEqual(lines, [
      `hearth: ${file} has 4 problems:`,
      `  ${file}:${at(text, '"id": "c"')}: models.providers.lms.models[1].id: written twice in the same object (line 3, columns ${Number(at(text, 'id: "b"').split(":")[1])} and ${Number(at(text, '"id": "c"').split(":")[1])}); only the later one counts: merge them into one`,
      `  ${file}:${at(text, '"gateway"')}: gateway: written twice in the same object (lines 2 and 4); only the later one counts: merge them into one`,
      `  ${file}:${at(text, 'port: "x"')}: gateway.port: expected a number, got "x"`,
      `  ${file}:${at(text, 'port: "x"')}: gateway.port: written twice in the same object (lines 4 and 5); only the later one counts: merge them into one`,
    ]);
  });

  test("a duplicate fallback is warned once, where it is written, not again at each agent that inherits it", async () => {
    const text = `{
  agents: {
    defaults: { model: { primary: "lms/qwen", fallbacks: ["lms/b", "lms/qwen"] } },
    list: [{ id: "helper", model: { primary: "lms/qwen" } }, { id: "other", model: "lms/qwen" }, { id: "third" }],
  },
  models: { providers: { ${LMS} } },
}
`;
    const { file, result } = await run("fallbacks.json5", text);
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("already in"));
    assert.deepEqual(warnings, [`${file}:${at(text, '"lms/qwen"]')}: warning: agents.defaults.model.fallbacks[1]: "lms/qwen" is already in the chain; this entry is ignored`]);
  });
  test("a syntax error inside a masked key: the caret stays under the masked text, in config validate and gateway status", async () => {
    const key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789abcdef";
    const text = `{\n  models: { providers: { a: { apiKey: "${key}" x, baseUrl: "http://127.0.0.1:1/v1" } } },\n}\n`;
    const file = temp.write("masked.json5", text);
    for (const args of [["config", "validate"], ["gateway", "status"]]) {
      const result = await runCli([...args, "--config", file]);
      const output = result.stdout + result.stderr;
      assert.doesNotMatch(output, /abcdefghij/);
      const lines = output.split("\n");
      const excerpt = lines.findIndex((line) => /^\s+2 \| /.test(line));
      assert.ok(excerpt >= 0, output);
      const shown = lines[excerpt] ?? "";
      const caret = (lines[excerpt + 1] ?? "").indexOf("^");
      // The problem (the x after the key) is in what "***" stands for: the caret is under it, not past the line.
      assert.equal(shown[caret], "*", `${shown}\n${lines[excerpt + 1] ?? ""}`);
    }
  });
});

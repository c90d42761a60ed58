import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

// eslint-disable-next-line no-control-regex -- the point: no raw control character reaches the terminal
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe("the config loader refuses bad input cleanly (exit 2, no stack trace)", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  const validate = async (name: string, text: string) => {
    const file = temp.write(name, text);
    return { file, result: await runCli(["config", "validate", "--config", file]) };
  };

  test("2,000 levels of nesting: refused past the depth limit with the key path, not a stack overflow", async () => {
    const deep = `{ agents: { list: ${"[".repeat(2000)}${"]".repeat(2000)} } }`;
    const { file, result } = await validate("deep.json5", deep);
    assert.equal(result.code, 2, result.stderr);
    assert.doesNotMatch(result.stderr, /call stack|unexpected error/);
    assert.match(result.stderr, new RegExp(`^hearth: ${file}: agents\\.list\\[0\\](\\[0\\])+: nested more than 64 levels deep`));
    const objects = `{ agents: { defaults: { models: { "local/m": { params: ${"{ a: ".repeat(2000)}1${" }".repeat(2000)} } } } } }`;
    const second = await validate("deep-objects.json5", objects);
    assert.equal(second.result.code, 2, second.result.stderr);
    assert.match(second.result.stderr, /agents\.defaults\.models\["local\/m"\]\.params\.a\.a(\.a)+: nested more than 64 levels deep/);
  });

  // The timeout turns the old hang into a failure instead of a stuck run.
  test("--config /dev/zero and a named pipe are refused at once as not regular files", { timeout: 30_000 }, async () => {
    const zero = await runCli(["config", "validate", "--config", "/dev/zero"]);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /^hearth: \/dev\/zero is not a regular file \(it is a character device\)/);
    const fifo = join(temp.dir, "pipe.json5");
    execFileSync("mkfifo", [fifo]);
    const pipe = await runCli(["models", "list"], { env: { HEARTH_CONFIG: fifo } });
    assert.equal(pipe.code, 2);
    assert.match(pipe.stderr, /is not a regular file \(it is a named pipe\)/);
  });

  test("a config over 1 MB is refused naming its size, before parsing", async () => {
    const { file, result } = await validate("big.json5", `{ agents: {}, junk: "${"x".repeat(2 * 1024 * 1024)}" }`);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.split("\n")[0], `hearth: ${file} is 2 MB; a config file may be at most 1 MB`);
    assert.doesNotMatch(result.stderr, /unknown key/);
  });

  test("a config just over 1 MB names its size in bytes, not as the 1 MB it may be", async () => {
    const text = `{ agents: {}, junk: "${"x".repeat(1030 * 1024)}" }`;
    const { file, result } = await validate("big.json5", text);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.split("\n")[0], `hearth: ${file} is ${Buffer.byteLength(text).toLocaleString("en-US")} bytes (more than 1 MB); a config file may be at most 1 MB`);
  });

  test('"__proto__" keys are unknown keys with their path, never prototypes', async () => {
    const top = await validate("proto-top.json5", '{ "__proto__": { models: { mode: "replace" } } }');
    assert.equal(top.result.code, 2);
    assert.match(top.result.stderr, /proto-top\.json5:1:3: __proto__: unknown key/);
    const provider = await validate(
      "proto-provider.json5",
      '{ models: { providers: { "__proto__": { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }] } } } }',
    );
    assert.equal(provider.result.code, 2);
    assert.match(provider.result.stderr, /models\.providers\.__proto__: unknown key/);
    const constructor = await validate(
      "constructor.json5",
      '{ models: { providers: { constructor: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }] } } }, agents: { defaults: { model: "constructor/m" } } }',
    );
    assert.equal(constructor.result.code, 2);
    assert.match(constructor.result.stderr, /models\.providers\.constructor: unknown key/);
  });

  test("extreme durations are refused with the limit in the error", async () => {
    const { file, result } = await validate(
      "durations.json5",
      `{
  agents: { defaults: {
    tools: { exec: { commands: ["ls"], timeoutSeconds: 3000000 }, web_fetch: { timeoutSeconds: 5000000 } },
    compaction: { timeoutSeconds: 1e9 },
  } },
  models: { providers: { p: {
    baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }],
    timeoutSeconds: 1e12, coldLoadTimeoutSeconds: 9e9, keepWarm: { intervalSeconds: 99999999 },
  } } },
}`,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`${file}:3:\\d+: agents\\.defaults\\.tools\\.exec\\.timeoutSeconds: must be at most 3600 seconds, got 3000000`));
    assert.match(result.stderr, /agents\.defaults\.tools\.web_fetch\.timeoutSeconds: must be at most 300 seconds, got 5000000/);
    assert.match(result.stderr, /agents\.defaults\.compaction\.timeoutSeconds: must be at most 3600 seconds/);
    assert.match(result.stderr, /models\.providers\.p\.timeoutSeconds: must be at most 3600 seconds, got 1000000000000/);
    assert.match(result.stderr, /models\.providers\.p\.coldLoadTimeoutSeconds: must be at most 3600 seconds/);
    assert.match(result.stderr, /models\.providers\.p\.keepWarm\.intervalSeconds: must be at most 86400 seconds/);
  });

  // Found by an attack run (session 3): sizes past any real model were taken, and a maxTokens of 9e15 is
  // sent as is, refused by every server at every turn.
  test("extreme sizes (tokens, page bytes) are refused with the limit in the error", async () => {
    const { result } = await validate(
      "sizes.json5",
      `{
  agents: { defaults: {
    tools: { web_fetch: { maxBytes: 9007199254740991 } },
    compaction: { reserveTokens: 1e15, keepRecentTokens: 9007199254740991 },
  } },
  models: { providers: { p: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 9007199254740991, maxTokens: 1e12 }] } } },
}`,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /agents\.defaults\.tools\.web_fetch\.maxBytes: must be at most 1073741824, got 9007199254740991/);
    assert.match(result.stderr, /agents\.defaults\.compaction\.reserveTokens: must be at most 100000000, got 1000000000000000/);
    assert.match(result.stderr, /agents\.defaults\.compaction\.keepRecentTokens: must be at most 100000000/);
    assert.match(result.stderr, /models\.providers\.p\.models\[0\]\.contextWindow: must be at most 100000000/);
    assert.match(result.stderr, /models\.providers\.p\.models\[0\]\.maxTokens: must be at most 100000000, got 1000000000000/);
  });

  test("terminal escape sequences in a config are shown escaped in excerpts and echoed values", async () => {
    const syntax = await validate("escape-syntax.json5", '{ agents: { defaults: { systemPrompt: "\u001b]0;PWNED\u0007\u001b[2J" } }, x\u001b[2J }');
    assert.equal(syntax.result.code, 2);
    assert.doesNotMatch(syntax.result.stderr, RAW_CONTROL);
    assert.match(syntax.result.stderr, /\\x1b\]0;PWNED\\x07\\x1b\[2J/);
    const key = await validate("escape-key.json5", '{ "bad\u001b[31mkey\u009b2J": 1, agents: { defaults: { model: { primary: 7 } } } }');
    assert.equal(key.result.code, 2);
    assert.doesNotMatch(key.result.stderr, RAW_CONTROL);
    assert.match(key.result.stderr, /\["bad\\u001b\[31mkey\\x9b2J"\]: unknown key/);
    const path = await runCli(["config", "validate", "--config", join(temp.dir, "no\u001b]0;T\u0007such.json5")]);
    assert.equal(path.code, 2);
    assert.doesNotMatch(path.stderr, RAW_CONTROL);
    assert.match(path.stderr, /no\\x1b\]0;T\\x07such\.json5/);
  });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { fixture, runCli, tempDir } from "../helpers/run-cli.js";

interface Row {
  ref: string;
  name: string;
  alias: string | null;
  api: string;
  contextWindow: number;
  maxTokens: number;
  local: boolean;
  role: string;
  source: string;
  cost: { input: number; output: number; cacheRead: number; cacheWrite: number };
}

async function listJson(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Row[]> {
  const result = await runCli(["models", "list", "--json", ...args], { env });
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { models: Row[] }).models;
}

test("models list --json: the brief's LM Studio config, chain and aliases in the documented shape", async () => {
  const rows = await listJson(["--config", fixture("brief-lmstudio.json5")]);
  assert.deepEqual(rows[0], {
    ref: "lmstudio/minimax-m2.1-gs32",
    name: "MiniMax M2.1 GS32",
    alias: "Minimax",
    api: "openai-responses",
    contextWindow: 196608,
    maxTokens: 8192,
    local: true,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    role: "primary",
    source: "config",
  });
  assert.equal(rows[1]?.ref, "anthropic/claude-opus-4-5");
  assert.equal(rows[1]?.role, "alias-only");
  assert.equal(rows[1]?.source, "builtin");
  assert.equal(rows.length, 2);
});

test("models list: the hybrid chain in order with roles", async () => {
  const rows = await listJson(["--config", fixture("brief-hybrid.json5")]);
  assert.deepEqual(rows.map((row) => [row.role, row.ref, row.alias]), [
    ["primary", "anthropic/claude-sonnet-4-5", "Sonnet"],
    ["fallback-1", "lmstudio/minimax-m2.1-gs32", "MiniMax Local"],
    ["fallback-2", "anthropic/claude-opus-4-5", "Opus"],
  ]);
  const human = await runCli(["models", "list", "--config", fixture("brief-hybrid.json5")]);
  assert.equal(human.code, 0);
  const lines = human.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^ROLE\s+MODEL\s+ALIAS\s+NAME\s+API\s+CONTEXT\s+MAX OUT\s+COST IN\/OUT\s+WHERE$/);
  assert.match(lines[1] ?? "", /^primary\s+anthropic\/claude-sonnet-4-5\s+Sonnet\s+.*anthropic-messages\s+200,000\s+64,000\s+\$3\.00\/\$15\.00 per M\s+hosted, no key$/);
  assert.match(lines[2] ?? "", /^fallback 1\s+lmstudio\/minimax-m2\.1-gs32\s+MiniMax Local\s+MiniMax M2\.1 GS32\s+openai-responses\s+196,608\s+8,192\s+free\s+local$/);
  assert.match(human.stderr, /provider "anthropic" has no API key: set ANTHROPIC_API_KEY in ~\/\.hearth\/gateway\.env \(the gateway's service and every command read it\) or in the environment, or give models\.providers\.anthropic\.apiKey/);
});

test("models list: the generic local server config", async () => {
  const rows = await listJson(["--config", fixture("brief-generic.json5")]);
  assert.deepEqual(rows.map((row) => [row.role, row.ref]), [["primary", "local/my-local-model"]]);
});

test("models list --all: the whole merged catalog; with replace the hosted models are gone", async () => {
  const all = await listJson(["--all", "--config", fixture("brief-lmstudio.json5")]);
  const refs = all.map((row) => row.ref);
  for (const ref of ["anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5", "openrouter/minimax/minimax-m2.1", "openrouter/moonshotai/kimi-k2", "openrouter/z-ai/glm-4.6"]) {
    assert.ok(refs.includes(ref), `${ref} missing`);
  }
  assert.ok(all.some((row) => row.ref.startsWith("openai/gpt-5")));
  assert.equal(all.filter((row) => row.role === "catalog").length, all.length - 2);

  const temp = tempDir();
  try {
    const file = temp.write("replace.json5", `{ models: { mode: "replace", providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "minimax-m2.1-gs32", contextWindow: 196608, maxTokens: 8192 }] } } } }`);
    const replaced = await listJson(["--all", "--config", file]);
    assert.deepEqual(replaced.map((row) => row.ref), ["lmstudio/minimax-m2.1-gs32"]);
  } finally {
    temp.cleanup();
  }
});

test("models list --local: only providers on loopback or a private network", async () => {
  const local = await listJson(["--all", "--local", "--config", fixture("brief-hybrid.json5")]);
  assert.deepEqual(local.map((row) => row.ref), ["lmstudio/minimax-m2.1-gs32"]);
});

test("models list with no config file lists the built-in default the gateway runs on, and says once how to write a config", async () => {
  const home = tempDir();
  try {
    const said = /^hearth: no config file at .*\/\.hearth\/hearth\.json5: running on the built-in default \(LM Studio at 127\.0\.0\.1:1, then the hosted models whose keys are set\); `\.\/bin\/hearth init` writes a config to edit$/gm;
    const result = await runCli(["models", "list", "--json"], { env: { HOME: home.dir } });
    assert.equal(result.code, 0);
    assert.deepEqual((JSON.parse(result.stdout) as { models: { ref: string; alias: string | null }[] }).models.map((row) => [row.ref, row.alias]), [["lmstudio/minimax-m2.1-gs32", "Local"]]);
    assert.equal(result.stderr.match(said)?.length, 1, "named as the test runs it: ./bin/hearth from the checkout; said once");
    const status = await runCli(["models", "status"], { env: { HOME: home.dir } });
    assert.equal(status.code, 0);
    assert.match(status.stdout, /^primary: lmstudio\/minimax-m2\.1-gs32 \(Local\)$/m);
    assert.equal(status.stderr.match(said)?.length, 1);
  } finally {
    home.cleanup();
  }
});

test("models list: a broken config exits 2", async () => {
  const temp = tempDir();
  try {
    const file = temp.write("c.json5", '{ agents: { defaults: { model: { primary: "lmstudio/nope" } } } }');
    const result = await runCli(["models", "list", "--config", file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /agents\.defaults\.model\.primary: no provider "lmstudio"/);
  } finally {
    temp.cleanup();
  }
});

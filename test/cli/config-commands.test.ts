import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fixture, runCli, tempDir } from "../helpers/run-cli.js";

test("config validate: a valid file exits 0 and names the chain", async () => {
  const result = await runCli(["config", "validate", "--config", fixture("brief-hybrid.json5")]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /brief-hybrid\.json5 is valid/);
  assert.match(result.stdout, /chain: anthropic\/claude-sonnet-4-5 → lmstudio\/minimax-m2\.1-gs32 → anthropic\/claude-opus-4-5/);
});

test("config validate: a bad file exits 2 with every problem on stderr and no stack trace", async () => {
  const temp = tempDir();
  try {
    const file = temp.write("bad.json5", '{\n  models: { mode: "merj", providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-response" } } },\n}\n');
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      [
        `hearth: ${file} has 2 problems:`,
        `  ${file}:2:13: models.mode: "merj" is not a known mode; did you mean "merge"? (allowed: "merge", "replace")`,
        `  ${file}:2:89: models.providers.lmstudio.api: "openai-response" is not a known API; did you mean "openai-responses"? (allowed: "openai-responses", "openai-completions", "anthropic-messages", "ollama")`,
        "",
      ].join("\n"),
    );
  } finally {
    temp.cleanup();
  }
});

test("config validate --json: one JSON document either way", async () => {
  const ok = await runCli(["config", "validate", "--json", "--config", fixture("brief-lmstudio.json5")]);
  assert.equal(ok.code, 0);
  const okDoc = JSON.parse(ok.stdout);
  assert.equal(okDoc.valid, true);
  assert.deepEqual(okDoc.chain, [{ role: "primary", ref: "lmstudio/minimax-m2.1-gs32" }]);
  const temp = tempDir();
  try {
    const file = temp.write("bad.json5", "{ models: { mode: “merge” } }");
    const bad = await runCli(["config", "validate", "--json", "--config", file]);
    assert.equal(bad.code, 2);
    const badDoc = JSON.parse(bad.stdout);
    assert.equal(badDoc.valid, false);
    assert.match(badDoc.error, /1:19: syntax error: invalid character '“'/);
  } finally {
    temp.cleanup();
  }
});

test("a config path that does not exist is an error when given, exit 2", async () => {
  const result = await runCli(["models", "list", "--config", "/nonexistent/hearth.json5"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^hearth: config file not found: \/nonexistent\/hearth\.json5 \(given by --config\)/);
  const fromEnv = await runCli(["models", "list"], { env: { HEARTH_CONFIG: "/nonexistent/x.json5" } });
  assert.equal(fromEnv.code, 2);
  assert.match(fromEnv.stderr, /given by HEARTH_CONFIG/);
});

test("config show: the effective config with every secret as ***", async () => {
  const temp = tempDir();
  try {
    const file = temp.write(
      "c.json5",
      `{ models: { providers: {
        lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", apiKey: "\${LM_KEY}", api: "openai-responses", headers: { Authorization: "Bearer hdr-secret-1", "X-Trace": "on" }, models: [{ id: "m" }] },
        openrouter: { apiKey: "sk-or-inline-secret" },
      } },
      agents: { defaults: { privacy: "local-only" }, list: [{ id: "helper", name: "Helper" }] },
      gateway: { port: 18999, auth: { token: "gw-token-secret-0123456789" } },
      channels: { whatsapp: { enabled: false, allowFrom: ["+15550100001"] } } }`,
    );
    const result = await runCli(["config", "show", "--config", file], { env: { LM_KEY: "lm-secret-from-env", ANTHROPIC_API_KEY: "sk-ant-env-secret" } });
    assert.equal(result.code, 0, result.stderr);
    for (const secret of ["lm-secret-from-env", "sk-ant-env-secret", "hdr-secret-1", "sk-or-inline-secret", "gw-token-secret-0123456789"]) {
      assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), `${secret} leaked`);
    }
    const shown = JSON.parse(result.stdout);
    assert.equal(shown.models.providers.lmstudio.apiKey, "***");
    assert.equal(shown.models.providers.lmstudio.headers.Authorization, "***");
    assert.equal(shown.models.providers.lmstudio.headers["X-Trace"], "on");
    assert.equal(shown.models.providers.anthropic.apiKey, "***");
    assert.equal(shown.models.providers.anthropic.apiKeySource, "env:ANTHROPIC_API_KEY");
    assert.equal(shown.models.providers.openai.apiKey, undefined);
    assert.equal(shown.models.providers.lmstudio.models[0].contextWindow, 32768);
    assert.equal(shown.agents.defaults.model.primary, "lmstudio/m");
    // Every section, not only the models: agents, the gateway (token masked), channels.
    assert.equal(shown.agents.defaults.privacy, "local-only");
    assert.equal(shown.agents.list[0].id, "helper");
    assert.equal(shown.gateway.port, 18999);
    assert.equal(shown.gateway.auth.token, "***");
    assert.deepEqual(shown.channels.whatsapp.allowFrom, ["+15550100001"]);
  } finally {
    temp.cleanup();
  }
});

test("config show: each agent and the WhatsApp channel as they act, every default filled in", async () => {
  const temp = tempDir();
  try {
    const file = temp.write(
      "c.json5",
      `{ models: { providers: { local: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "fast" }, { id: "small" }] } } },
      agents: {
        defaults: { model: "local/fast", tools: { exec: { commands: ["ls"] }, deny: ["memory"] } },
        list: [{ id: "helper", tools: { allow: ["time"], web_fetch: { allowPrivateNetwork: true } }, compaction: { enabled: false, model: "local/small" }, maxSteps: 3 }],
      },
      channels: { whatsapp: { enabled: true, dmPolicy: "open" } } }`,
    );
    const state = join(temp.dir, "state");
    const result = await runCli(["config", "show", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    const shown = JSON.parse(result.stdout);
    const main = shown.agents.defaults;
    // The tools the agent really has: the default set with exec (configured) and without memory (denied).
    assert.deepEqual(main.tools.allow, ["time", "web_fetch", "exec"]);
    assert.deepEqual(main.tools.exec, { commands: ["ls"], cwd: join(state, "workspace"), timeoutSeconds: 30, sandbox: "auto", allowUnknownOptions: false });
    assert.deepEqual(main.tools.web_fetch, { maxBytes: 524288, timeoutSeconds: 15, allowPrivateNetwork: false });
    assert.deepEqual(main.compaction, { enabled: true, model: null, reserveTokens: 16384, keepRecentTokens: 20000, timeoutSeconds: 600 });
    assert.equal(main.privacy, "any");
    assert.equal(main.maxSteps, 8);
    assert.match(main.systemPrompt, /^You are hearth/);
    // A list entry inherits what it leaves out (the chain) and shows its own choices.
    const helper = shown.agents.list[0];
    assert.equal(helper.id, "helper");
    assert.deepEqual(helper.model, { primary: "local/fast", fallbacks: [] });
    assert.deepEqual(helper.tools.allow, ["time"]);
    assert.equal(helper.tools.web_fetch.allowPrivateNetwork, true);
    assert.deepEqual(helper.compaction, { enabled: false, model: "local/small", reserveTokens: 16384, keepRecentTokens: 20000, timeoutSeconds: 600 });
    assert.equal(helper.maxSteps, 3);
    assert.deepEqual(shown.channels.whatsapp, {
      enabled: true, allowFrom: [], dmPolicy: "open", groups: { enabled: false, allow: [], requireMention: true },
      agent: "main", fallbackNotice: false, retryWindowMinutes: 30, textChunkLimit: 4000, maxInboundChars: 16000,
    });
  } finally {
    temp.cleanup();
  }
});

test("config show: each provider's settings as they act, the defaults filled in (timeouts, cold loads, keep-warm, replicas)", async () => {
  const temp = tempDir();
  try {
    const file = temp.write(
      "c.json5",
      `{ models: { providers: {
        plain: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions", models: [{ id: "a" }] },
        tuned: { baseUrls: ["http://u:s3cretPassw0rdXYZ@127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1"], api: "openai-completions", timeoutSeconds: 20,
                 onColdLoad: "fallback", coldLoadTimeoutSeconds: 90, keepWarm: true, kvCache: "per-slot", compat: { supportsTools: false }, models: [{ id: "b" }] },
      } },
      agents: { defaults: { model: "plain/a" } } }`,
    );
    const result = await runCli(["config", "show", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    const { plain, tuned, anthropic } = JSON.parse(result.stdout).models.providers;
    const settings = (provider: Record<string, unknown>) => {
      const { baseUrls, timeoutSeconds, onColdLoad, coldLoadTimeoutSeconds, keepWarm, kvCache, compat } = provider;
      return { baseUrls, timeoutSeconds, onColdLoad, coldLoadTimeoutSeconds, keepWarm, kvCache, compat };
    };
    // Nothing set: the defaults the calls use (60 s, wait up to 600 s for a load, no keep-warm), not an absent key.
    assert.deepEqual(settings(plain), { baseUrls: undefined, timeoutSeconds: 60, onColdLoad: "wait", coldLoadTimeoutSeconds: 600, keepWarm: false, kvCache: undefined, compat: undefined });
    assert.deepEqual(settings(tuned), {
      baseUrls: ["http://***@127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1"], timeoutSeconds: 20, onColdLoad: "fallback", coldLoadTimeoutSeconds: 90,
      keepWarm: { ttlSeconds: 86400 }, kvCache: "per-slot", compat: { supportsTools: false },
    });
    assert.doesNotMatch(result.stdout, /s3cretPassw0rdXYZ/);
    assert.equal(anthropic.timeoutSeconds, 60);
    assert.equal(anthropic.keepWarm, false);
  } finally {
    temp.cleanup();
  }
});

test("config path follows --config > HEARTH_CONFIG > ~/.hearth/hearth.json5", async () => {
  const home = tempDir();
  try {
    const byDefault = await runCli(["config", "path"], { env: { HOME: home.dir } });
    assert.equal(byDefault.stdout.trim(), join(home.dir, ".hearth/hearth.json5"));
    const byEnv = await runCli(["config", "path", "--json"], { env: { HOME: home.dir, HEARTH_CONFIG: "/etc/h.json5" } });
    assert.deepEqual(JSON.parse(byEnv.stdout), { file: "/etc/h.json5", origin: "env", exists: false });
    const byFlag = await runCli(["config", "path", "--config", "/tmp/f.json5"], { env: { HOME: home.dir, HEARTH_CONFIG: "/etc/h.json5" } });
    assert.equal(byFlag.stdout.trim(), "/tmp/f.json5");
  } finally {
    home.cleanup();
  }
});

test("init writes a commented starter config that validates, and never overwrites", async () => {
  const home = tempDir();
  try {
    const first = await runCli(["init"], { env: { HOME: home.dir } });
    assert.equal(first.code, 0, first.stderr);
    const file = join(home.dir, ".hearth/hearth.json5");
    const text = readFileSync(file, "utf8");
    assert.match(text, /^\/\/ hearth config/);
    assert.match(text, /mode: "merge"/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const validate = await runCli(["config", "validate"], { env: { HOME: home.dir } });
    assert.equal(validate.code, 0, validate.stderr);
    assert.match(validate.stdout, /chain: lmstudio\/minimax-m2\.1-gs32 → anthropic\/claude-sonnet-4-5 → anthropic\/claude-opus-4-5/);
    const again = await runCli(["init"], { env: { HOME: home.dir } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists; hearth init never overwrites a config/);
    assert.equal(readFileSync(file, "utf8"), text);
  } finally {
    home.cleanup();
  }
});

test("bad usage exits 2", async () => {
  const unknown = await runCli(["models", "lst"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'lst'/);
  const badFlag = await runCli(["models", "list", "--frobnicate"]);
  assert.equal(badFlag.code, 2);
});

test("--json: a failure is still one JSON document on stdout, with the exit code", async () => {
  const result = await runCli(["models", "list", "--json", "--config", "/nonexistent/hearth.json5"]);
  assert.equal(result.code, 2);
  const document = JSON.parse(result.stdout) as { error: string; exitCode: number; details: string[] };
  assert.match(document.error, /config file not found/);
  assert.equal(document.exitCode, 2);
});

test("a syntax error on a line that sets a key shows *** instead of the key", async () => {
  const temp = tempDir();
  try {
    const file = temp.write("leak.json5", '{\n  models: { providers: { openai: {\n    apiKey: sk-live-abcdef123456\n  } } },\n}\n');
    const result = await runCli(["config", "validate", "--config", file]);
    assert.equal(result.code, 2);
    assert.doesNotMatch(result.stdout + result.stderr, /abcdef123456/);
    assert.match(result.stderr, /apiKey: \*\*\*/);
  } finally {
    temp.cleanup();
  }
});

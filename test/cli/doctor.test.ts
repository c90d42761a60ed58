import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { startLmStudio } from "../fakes/lmstudio-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Finding {
  id: string;
  severity: "ok" | "info" | "warn" | "error";
  group: string;
  title: string;
  seen: string;
  why?: string;
  fix: string;
  fixed?: boolean;
}
interface Report {
  findings: Finding[];
  checks: number;
  errors: number;
}

/** LM Studio answers an empty POST /v1/responses the way a server with the endpoint does: 400. */
const responsesEndpoint = () => ({ kind: "json" as const, status: 400, body: { error: "'input' is required" } });

describe("hearth doctor", () => {
  const temp = tempDir();
  let lmstudio: FakeServer;
  let llamacpp: FakeServer;
  let upGateway: FakeServer;
  let sickGateway: FakeServer;
  let refused: string;

  before(async () => {
    lmstudio = await startLmStudio({
      models: [
        { id: "minimax-m2.1", loaded: true, loadedContextLength: 131072, maxContextLength: 196608, quantization: "Q8_0", params: "230B-A10B" },
        { id: "clamped-70b", loaded: true, loadedContextLength: 4096, maxContextLength: 131072, quantization: "Q6_K" },
      ],
      responses: responsesEndpoint,
    });
    llamacpp = await startLlamaCpp({ alias: "local-fallback", nCtx: 8192, supportsTools: true, parameters: 32_000_000_000 });
    // What hearth's gateway answers on /health: no bind, no auth (doctor reads those from the config).
    upGateway = await startFakeServer(() => ({ kind: "json", body: { status: "ok", service: "hearth", version: "0.1.0", uptimeSeconds: 42 } }));
    sickGateway = await startFakeServer(() => ({ kind: "json", status: 503, body: { error: "starting" } }));
    refused = await refusedUrl();
  });
  after(async () => {
    await Promise.all([lmstudio.close(), llamacpp.close(), upGateway.close(), sickGateway.close()]);
    temp.cleanup();
  });

  /** A config and a private state dir; `mode` for both, `cooldowns` written into the state. */
  const setup = (name: string, text: string, options: { fileMode?: number; dirMode?: number; cooldowns?: unknown } = {}) => {
    const dir = join(temp.dir, name);
    const state = join(dir, "state");
    mkdirSync(state, { recursive: true });
    chmodSync(state, options.dirMode ?? 0o700);
    const file = join(dir, "hearth.json5");
    writeFileSync(file, text);
    chmodSync(file, options.fileMode ?? 0o600);
    if (options.cooldowns) writeFileSync(join(state, "cooldowns.json"), JSON.stringify(options.cooldowns));
    return { file, state };
  };
  /** `gateway`: HEARTH_GATEWAY_URL (a port nobody listens on by default, so a gateway on this machine changes nothing); null: where the config says. */
  const doctor = async (paths: { file: string; state: string }, extra: string[] = [], gateway: string | null = refused) => {
    const result = await runCli(["doctor", "--config", paths.file, ...extra], { env: { HEARTH_STATE_DIR: paths.state, ...(gateway === null ? {} : { HEARTH_GATEWAY_URL: gateway }) } });
    return result;
  };
  const json = async (paths: { file: string; state: string }, extra: string[] = [], gateway: string | null = refused): Promise<{ code: number; report: Report }> => {
    const result = await doctor(paths, ["--json", ...extra], gateway);
    return { code: result.code, report: JSON.parse(result.stdout) as Report };
  };
  const ids = (report: Report): string[] => report.findings.filter((finding) => finding.severity !== "ok").map((finding) => finding.id);

  /** `more`: further top-level sections (gateway, channels). */
  const healthy = (more = ""): string => `{
    ${more}
    agents: { defaults: { model: { primary: "lmstudio/minimax-m2.1", fallbacks: ["llamacpp/local-fallback"] } } },
    models: { mode: "replace", providers: {
      lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1", contextWindow: 131072, maxTokens: 8192 }] },
      llamacpp: { baseUrl: "${llamacpp.baseUrl}", api: "openai-completions", models: [{ id: "local-fallback", contextWindow: 8192, maxTokens: 2048 }] },
    } },
  }`;

  test("all well: one line, exit 0; every check stays silent", async () => {
    const paths = setup("healthy", healthy());
    const result = await doctor(paths);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^all \d+ checks passed\n$/);
    const { report } = await json(paths);
    assert.deepEqual(ids(report), []);
    assert.ok(report.findings.some((finding) => finding.group === "models" && /lmstudio answered GET .*\/models in [\d.]+ ms/.test(finding.seen)), "how fast is said in JSON");
    assert.ok(report.findings.some((finding) => finding.group === "disk"), "disk space is checked");
  });

  test("a config with every local problem: each finding with what was seen and the exact fix; exit 1 for the errors", async () => {
    const now = Date.now();
    const paths = setup(
      "broken",
      `{
    agents: { defaults: { model: { primary: "lmstudio/clamped-70b", fallbacks: ["anthropic/claude-sonnet-4-5"] }, compaction: { enabled: false } } },
    models: { mode: "merge", providers: {
      lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "clamped-70b", contextWindow: 65536, maxTokens: 8192 }] },
    } },
    gateway: { bind: "0.0.0.0" },
  }`,
      { fileMode: 0o644, dirMode: 0o755, cooldowns: { "lmstudio/clamped-70b": { failures: 2, until: now + 600_000, kind: "timeout" }, "anthropic/claude-sonnet-4-5": { failures: 1, until: now - 3_600_000, kind: "rate-limit" } } },
    );
    const { code, report } = await json(paths);
    assert.equal(code, 1);
    const found = (id: string): Finding => {
      const finding = report.findings.find((candidate) => candidate.id === id && candidate.severity !== "ok");
      assert.ok(finding, `${id} in ${ids(report).join(", ")}`);
      return finding;
    };
    assert.match(found("loaded-context-small").fix, /hearth models unload lmstudio\/clamped-70b && hearth models load lmstudio\/clamped-70b --context 65536\), or lower contextWindow to 4096/);
    assert.equal(found("fallback-no-key").severity, "warn");
    assert.match(found("fallback-no-key").fix, /set ANTHROPIC_API_KEY/);
    assert.match(found("fallback-unusable").seen, /anthropic\/claude-sonnet-4-5/);
    assert.match(found("compaction-off").seen, /agents\.defaults\.compaction/);
    assert.match(found("config-permissions").fix, new RegExp(`^chmod 600 ${paths.file}$`));
    assert.equal(found("config-permissions").seen, `${paths.file} has mode 0644`);
    assert.match(found("config-permissions").why ?? "", /^It may hold keys/);
    assert.match(found("state-permissions").fix, new RegExp(`^chmod 700 ${paths.state}$`));
    assert.match(found("cooldown-active").title, /lmstudio\/clamped-70b is skipped until \d\d:\d\d:\d\d \+00:00/);
    assert.match(found("cooldown-active").seen, /2 failures in a row, the last: timeout/);
    assert.match(found("cooldown-stale").seen, /anthropic\/claude-sonnet-4-5/);
    assert.equal(found("gateway-no-auth").severity, "error");
    // The state dir readable by every user is high in the audit: an error here too (judgePermissions); the config, medium: a warning.
    assert.equal(found("state-permissions").severity, "error");
    assert.equal(found("config-permissions").severity, "warn");
    assert.equal(report.errors, 2);

    const text = await doctor(paths);
    assert.match(text.stdout, /! warn \[compaction-off\] compaction is off\n {4}seen: .*\n {4}fix: remove enabled: false from agents\.defaults\.compaction/);
    assert.match(text.stdout, /\d+ of \d+ checks passed; 2 errors, \d+ warnings, \d+ notes\n$/);
  });

  test("--fix applies only what loses nothing: owner-only modes and expired cooldowns; the rest stays a remedy", async () => {
    const now = Date.now();
    const paths = setup("fixable", healthy(), {
      fileMode: 0o644,
      dirMode: 0o755,
      cooldowns: { "lmstudio/minimax-m2.1": { failures: 1, until: now - 60_000, kind: "timeout" }, "llamacpp/local-fallback": { failures: 1, until: now + 600_000, kind: "timeout" } },
    });
    const fixed = await doctor(paths, ["--fix"]);
    assert.equal(fixed.code, 0, fixed.stdout);
    // What was seen is the mode (and the one set), not the sentence on why it matters, which has its own line.
    assert.match(fixed.stdout, new RegExp(`✓ fixed \\[config-permissions\\] .*\n {4}seen: ${paths.file} had mode 0644; it has 0600 now\n {4}why: It may hold keys`));
    assert.match(fixed.stdout, /✓ fixed \[state-permissions\]/);
    assert.match(fixed.stdout, /✓ fixed \[cooldown-stale\]/);
    assert.equal(statSync(paths.file).mode & 0o777, 0o600);
    assert.equal(statSync(paths.state).mode & 0o777, 0o700);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(paths.state, "cooldowns.json"), "utf8")) as object), ["llamacpp/local-fallback"], "the active cooldown is kept");
    const after = await json(paths);
    assert.deepEqual(ids(after.report), ["cooldown-active"]);
  });

  test("fallback-unusable and no-fallback name only local models that would answer while the primary does not: another server's that lists them — never the primary's own server, a server that is not there, or one without the model (t15 #12)", async () => {
    // What `init --discover` leaves: the starter's hosted fallback without its key, and the local servers it found.
    const found = setup(
      "discovered",
      `{ agents: { defaults: { model: { primary: "lmstudio/minimax-m2.1", fallbacks: ["anthropic/claude-sonnet-4-5"] } } },
         models: { mode: "merge", providers: {
           lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1", contextWindow: 131072, maxTokens: 8192 }, { id: "clamped-70b", contextWindow: 4096, maxTokens: 1024 }] },
           same: { baseUrl: "${lmstudio.url}", apiKey: "lmstudio", api: "openai-completions", models: [{ id: "clamped-70b", contextWindow: 4096, maxTokens: 1024 }] },
           gone: { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 1024 }] },
           llamacpp: { baseUrl: "${llamacpp.baseUrl}", api: "openai-completions", models: [{ id: "local-fallback", contextWindow: 8192, maxTokens: 2048 }] },
         } } }`,
    );
    const { report } = await json(found, [], refused);
    const unusable = report.findings.find((finding) => finding.id === "fallback-unusable");
    assert.equal(
      unusable?.fix,
      "add a local model the config has to agents.defaults.model.fallbacks (llamacpp/local-fallback: no key needed), or set the key of one fallback's provider (ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENROUTER_API_KEY) in ~/.hearth/gateway.env (the gateway's service and every command read it) or in the environment",
    );
    // One severity for one fact: the keyless fallback is a warning in doctor and in models status --probe (exit 0 there too).
    assert.equal(report.findings.find((finding) => finding.id === "fallback-no-key")?.severity, "warn");
    const probe = await runCli(["models", "status", "--probe", "--config", found.file], { env: { HEARTH_STATE_DIR: found.state } });
    assert.equal(probe.code, 0, probe.stdout);
    assert.match(probe.stdout, /^fallback 1: anthropic\/claude-sonnet-4-5\n.*\n {2}! warn: no API key for anthropic$/m);

    // The only other server is not there: none is suggested, and why is said.
    const none = setup(
      "none-elsewhere",
      `{ agents: { defaults: { model: { primary: "lmstudio/minimax-m2.1", fallbacks: ["anthropic/claude-sonnet-4-5"] } } },
         models: { mode: "merge", providers: {
           lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1", contextWindow: 131072, maxTokens: 8192 }, { id: "clamped-70b", contextWindow: 4096, maxTokens: 1024 }] },
           gone: { baseUrl: "${refused}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 1024 }] },
         } } }`,
    );
    const noneReport = (await json(none, [], refused)).report;
    assert.equal(
      noneReport.findings.find((finding) => finding.id === "fallback-unusable")?.fix,
      "set the key of one fallback's provider (ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENROUTER_API_KEY) in ~/.hearth/gateway.env (the gateway's service and every command read it) or in the environment; no local model the config has would answer while the primary does not (a local fallback needs a model server of its own: `hearth models discover --write --url ADDRESS` adds one) (left out: 1 on the primary's own server, 1 whose server does not answer for it now)",
    );

    const alone = setup(
      "alone",
      `{ agents: { defaults: { model: "lmstudio/minimax-m2.1" } },
         models: { mode: "replace", providers: {
           lmstudio: { baseUrl: "${lmstudio.baseUrl}", apiKey: "lmstudio", api: "openai-responses", models: [{ id: "minimax-m2.1", contextWindow: 131072, maxTokens: 8192 }] },
           llamacpp: { baseUrl: "${llamacpp.baseUrl}", api: "openai-completions", models: [{ id: "local-fallback", contextWindow: 8192, maxTokens: 2048 }] },
         } } }`,
    );
    const single = await json(alone, [], refused);
    assert.match(single.report.findings.find((finding) => finding.id === "no-fallback")?.fix ?? "", /^add a local model the config has to agents\.defaults\.model\.fallbacks \(llamacpp\/local-fallback: no key needed\), or add agents\.defaults\.model\.fallbacks: \["anthropic\/claude-sonnet-4-5"\]/);
  });

  test("an unreachable primary, no fallback, a hosted model without its key", async () => {
    const paths = setup(
      "down",
      `{ agents: { defaults: { model: "lmstudio/minimax-m2.1" } },
         models: { providers: { lmstudio: { baseUrl: "${refused}/v1", api: "openai-responses", models: [{ id: "minimax-m2.1", contextWindow: 8192 }] } } } }`,
    );
    const { code, report } = await json(paths);
    assert.equal(code, 1);
    assert.deepEqual(ids(report), ["unreachable", "no-fallback"]);
    assert.match(report.findings.find((finding) => finding.id === "unreachable")?.fix ?? "", /try: curl http:\/\/127\.0\.0\.1:\d+\/v1\/models/);
    const hosted = setup("hosted", `{ agents: { defaults: { model: "anthropic/claude-sonnet-4-5", models: { "openai/gpt-5": { alias: "GPT" } } } } }`);
    const keyless = await json(hosted);
    assert.equal(keyless.code, 1);
    assert.deepEqual(ids(keyless.report), ["hosted-no-key", "alias-no-key", "no-fallback"]);
    assert.match(keyless.report.findings.find((finding) => finding.id === "alias-no-key")?.fix ?? "", /set OPENAI_API_KEY/);
  });

  test("the server's facts: not listed, not loaded, a smaller served window, no Responses endpoint", async () => {
    const noResponses = await startLmStudio({ models: [{ id: "idle-70b", loaded: false, maxContextLength: 32768, quantization: "Q8_0" }] });
    try {
      const paths = setup(
        "facts",
        `{ agents: { defaults: { model: { primary: "lmstudio/idle-70b", fallbacks: ["lmstudio/missing-70b", "llamacpp/local-fallback"] } } },
           models: { mode: "replace", providers: {
             lmstudio: { baseUrl: "${noResponses.baseUrl}", api: "openai-responses", models: [{ id: "idle-70b", contextWindow: 32768 }, { id: "missing-70b", contextWindow: 32768 }] },
             llamacpp: { baseUrl: "${llamacpp.baseUrl}", api: "openai-completions", models: [{ id: "local-fallback", contextWindow: 32768 }] },
           } } }`,
      );
      const { code, report } = await json(paths);
      assert.equal(code, 1);
      assert.deepEqual(ids(report).sort(), ["model-not-listed", "model-not-loaded", "no-responses-endpoint", "served-context-small"].sort());
      assert.match(report.findings.find((finding) => finding.id === "model-not-loaded")?.fix ?? "", /hearth models load lmstudio\/idle-70b --context 32768/);
      assert.match(report.findings.find((finding) => finding.id === "no-responses-endpoint")?.title ?? "", /^lmstudio: /, "said once, for the provider");
      assert.match(report.findings.find((finding) => finding.id === "served-context-small")?.fix ?? "", /llama\.cpp: -c 32768.* or lower contextWindow to 8192/);
    } finally {
      await noResponses.close();
    }
  });

  test("an invalid config is one error with its fix; a missing one is a note naming init --discover, and the built-in default is checked as the gateway runs it", async () => {
    const paths = setup("invalid", `{ models: { providers: { lmstudio: { baseUrl: "nope" } } } }`);
    const { code, report } = await json(paths);
    assert.equal(code, 1);
    assert.deepEqual(ids(report), ["config-invalid"]);
    assert.match(report.findings[0]?.seen ?? "", /baseUrl/);
    const home = join(temp.dir, "home");
    mkdirSync(join(home, ".hearth"), { recursive: true, mode: 0o700 });
    const missing = await runCli(["doctor", "--json"], { env: { HOME: home, HEARTH_GATEWAY_URL: refused } });
    const missingReport = JSON.parse(missing.stdout) as Report;
    // Nothing listens where run-cli points the built-in default: an error, as the gateway's "no model server" setup line.
    assert.equal(missing.code, 1);
    assert.ok(ids(missingReport).includes("config-missing"));
    assert.match(missingReport.findings.find((finding) => finding.id === "config-missing")?.fix ?? "", /hearth init --discover/);
    assert.match(missingReport.findings.find((finding) => finding.id === "unreachable")?.title ?? "", /^lmstudio: http:\/\/127\.0\.0\.1:1\/v1 is unreachable/);
  });

  test("a damaged cooldowns file: said, and set aside as every command does", async () => {
    const paths = setup("damaged", healthy());
    writeFileSync(join(paths.state, "cooldowns.json"), "{ not json");
    const { code, report } = await json(paths);
    assert.equal(code, 0);
    assert.deepEqual(ids(report), ["cooldowns-file"]);
    assert.match(report.findings.find((finding) => finding.id === "cooldowns-file")?.seen ?? "", /not a valid cooldowns file \(not JSON\); moved it to .*cooldowns\.json\.bad-/);
  });

  const portOf = (url: string): string => new URL(url).port;
  const gatewayFinding = (report: Report, id: string): Finding | undefined => report.findings.find((finding) => finding.id === id);

  test("the gateway is asked where gateway.bind and gateway.port say: up, down, or answering /health with an error", async () => {
    const up = await json(setup("gateway-up", healthy(`gateway: { port: ${portOf(upGateway.url)} },`)), [], null);
    assert.equal(up.code, 0);
    assert.deepEqual(ids(up.report), [], "a running gateway on loopback is silent");
    assert.match(gatewayFinding(up.report, "gateway-unhealthy")?.seen ?? "", new RegExp(`^the gateway at http://127\\.0\\.0\\.1:${portOf(upGateway.url)} is up \\(version 0\\.1\\.0\\)`));

    const down = await json(setup("gateway-down", healthy(`gateway: { port: ${portOf(refused)} },`)), [], null);
    assert.equal(down.code, 0);
    assert.deepEqual(ids(down.report), [], "no gateway is fine");
    assert.match(gatewayFinding(down.report, "gateway-unhealthy")?.seen ?? "", new RegExp(`^no gateway at http://127\\.0\\.0\\.1:${portOf(refused)} `));

    const sick = await json(setup("sick", healthy(`gateway: { port: ${portOf(sickGateway.url)} },`)), [], null);
    assert.equal(sick.code, 1);
    assert.deepEqual(ids(sick.report), ["gateway-unhealthy"]);
    assert.match(gatewayFinding(sick.report, "gateway-unhealthy")?.seen ?? "", /answered 503/);
  });

  test("a non-loopback gateway.bind: an error without a token (the gateway refuses to start), a warning with one; loopback is silent", async () => {
    // 0.0.0.0 is asked on 127.0.0.1: the gateway answering there was started with other settings.
    const open = await json(setup("gateway-open", healthy(`gateway: { bind: "0.0.0.0", port: ${portOf(upGateway.url)} },`)), [], null);
    assert.equal(open.code, 1);
    assert.deepEqual(ids(open.report), ["gateway-no-auth"]);
    const noAuth = gatewayFinding(open.report, "gateway-no-auth");
    assert.equal(noAuth?.severity, "error");
    assert.match(noAuth?.title ?? "", /listen on 0\.0\.0\.0 without a token: it refuses to start/);
    assert.match(noAuth?.seen ?? "", /the one answering at http:\/\/127\.0\.0\.1:\d+ was started with other settings/);
    assert.match(noAuth?.fix ?? "", /gateway\.auth\.token .* or set gateway\.bind to "127\.0\.0\.1"/);

    const token = await json(setup("gateway-token", healthy(`gateway: { bind: "192.168.1.20", auth: { token: "0123456789abcdef0123" } },`)));
    assert.equal(token.code, 0);
    assert.deepEqual(ids(token.report), ["gateway-exposed"]);
    assert.equal(gatewayFinding(token.report, "gateway-exposed")?.severity, "warn");
    assert.match(gatewayFinding(token.report, "gateway-exposed")?.seen ?? "", /gateway\.bind "192\.168\.1\.20", port 18790: other machines can reach it/);

    const loopback = await json(setup("gateway-loopback", healthy(`gateway: { bind: "localhost", auth: { token: "0123456789abcdef0123" } },`)));
    assert.deepEqual(ids(loopback.report), []);
    assert.match(gatewayFinding(loopback.report, "gateway-exposed")?.seen ?? "", /is loopback: only this machine reaches it; it asks for gateway\.auth\.token/, "its auth is said (in JSON) too");
    const tokenless = await json(setup("gateway-loopback-tokenless", healthy(`gateway: { bind: "127.0.0.1" },`)));
    assert.deepEqual(ids(tokenless.report), [], "the default setup stays quiet");
    assert.match(gatewayFinding(tokenless.report, "gateway-exposed")?.seen ?? "", /no token: every program on this machine may use it/);
  });

  describe("WhatsApp", () => {
    const allowed = `allowFrom: ["+15551234567"]`;
    /** A state with the channel linked (Baileys' creds.json) and the status file the running channel writes. */
    const whatsapp = (name: string, section: string, options: { linked?: boolean; status?: object; pairing?: object; gateway?: string } = {}) => {
      const paths = setup(name, healthy(`channels: { whatsapp: { ${section} } },${options.gateway ? ` gateway: { port: ${portOf(options.gateway)} },` : ""}`));
      if (options.linked) {
        mkdirSync(join(paths.state, "credentials", "whatsapp"), { recursive: true });
        writeFileSync(join(paths.state, "credentials", "whatsapp", "creds.json"), "{}");
      }
      mkdirSync(join(paths.state, "channels", "whatsapp"), { recursive: true });
      if (options.status) writeFileSync(join(paths.state, "channels", "whatsapp", "status.json"), JSON.stringify(options.status));
      if (options.pairing) writeFileSync(join(paths.state, "channels", "whatsapp", "pairing.json"), JSON.stringify(options.pairing));
      return paths;
    };
    const whatsappIds = (report: Report): string[] => report.findings.filter((finding) => finding.group === "whatsapp" && finding.severity !== "ok").map((finding) => finding.id);
    const deadPid = 2 ** 22 + 12345;

    test("off (or absent): not a word, whatever its policy and state", async () => {
      const off = await json(whatsapp("wa-off", `enabled: false, dmPolicy: "open"`, { status: { state: "logged-out", since: "2026-12-01T21:00:00.000Z", pid: deadPid } }));
      assert.equal(off.code, 0);
      assert.deepEqual(ids(off.report), []);
      assert.ok(!off.report.findings.some((finding) => finding.group === "whatsapp"));
    });

    test("linked and connected, with an allowlist: silent", async () => {
      const paths = whatsapp("wa-connected", `enabled: true, ${allowed}`, { linked: true, status: { state: "connected", since: "2026-12-01T21:00:00.000Z", account: "+15550001111", pid: process.pid } });
      const { code, report } = await json(paths);
      assert.equal(code, 0);
      assert.deepEqual(ids(report), []);
      assert.match(report.findings.find((finding) => finding.id === "whatsapp-disconnected")?.seen ?? "", /^WhatsApp connected since 2026-12-01 21:00 \+00:00 \(\+15550001111\)/);
      assert.equal((await doctor(paths)).stdout, `all ${report.checks} checks passed\n`);
    });

    test("not linked: an error with the last state (logged out, since when, why) and the login command", async () => {
      const paths = whatsapp("wa-logged-out", `enabled: true, ${allowed}`, {
        status: { state: "logged-out", since: "2026-12-01T21:00:00.000Z", reason: "logged out from the phone; credentials removed — run `hearth channels login whatsapp` to link again", pid: deadPid },
      });
      const { code, report } = await json(paths);
      assert.equal(code, 1);
      assert.deepEqual(whatsappIds(report), ["whatsapp-not-linked"]);
      const finding = report.findings.find((candidate) => candidate.id === "whatsapp-not-linked");
      assert.equal(finding?.severity, "error");
      assert.match(finding?.seen ?? "", /no credentials in .*credentials\/whatsapp; the channel's last state: logged-out since 2026-12-01 21:00 \+00:00 — logged out from the phone/);
      assert.match(finding?.fix ?? "", /^`hearth channels login whatsapp` and scan the QR code .* then start the gateway: `hearth gateway`/);
      const text = await doctor(paths);
      assert.match(text.stdout, /✗ error \[whatsapp-not-linked\] WhatsApp is enabled but not linked/);
    });

    test("linked but reconnecting, or its gateway gone, or never started: a warning with since when, why, and what to do", async () => {
      const reconnecting = await json(
        whatsapp("wa-reconnecting", `enabled: true, ${allowed}`, { linked: true, status: { state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "connection lost or timed out; next try in 8 s (attempt 3)", pid: process.pid } }),
      );
      assert.equal(reconnecting.code, 0);
      assert.deepEqual(ids(reconnecting.report), ["whatsapp-disconnected"]);
      assert.match(reconnecting.report.findings.find((finding) => finding.id === "whatsapp-disconnected")?.seen ?? "", /^reconnecting since 2026-12-01 21:00 \+00:00 — connection lost or timed out; next try in 8 s \(attempt 3\)/);

      const offline = await json(
        whatsapp("wa-offline", `enabled: true, ${allowed}`, { linked: true, status: { state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "no network — reconnecting (try 3, next in 8 s)", cause: "no-network", pid: process.pid } }),
      );
      const noNetwork = offline.report.findings.find((finding) => finding.id === "whatsapp-disconnected");
      assert.equal(noNetwork?.title, "WhatsApp has no network: it reconnects by itself");
      assert.match(noNetwork?.seen ?? "", /^reconnecting since 2026-12-01 21:00 \+00:00 — no network — reconnecting \(try 3, next in 8 s\)/);
      assert.doesNotMatch(`${noNetwork?.title} ${noNetwork?.fix}`, /scan|phone|lost/i, "linked: nothing to scan, and the phone is not what is offline");

      const exited = await json(whatsapp("wa-exited", `enabled: true, ${allowed}`, { linked: true, status: { state: "connected", since: "2026-12-01T21:00:00.000Z", pid: deadPid } }));
      assert.deepEqual(ids(exited.report), ["whatsapp-not-running"]);
      const gone = exited.report.findings.find((finding) => finding.id === "whatsapp-not-running");
      assert.match(gone?.seen ?? "", new RegExp(`the process that ran it \\(pid ${deadPid}\\) exited while connected since 2026-12-01 21:00 \\+00:00`));
      assert.match(gone?.fix ?? "", /^start the gateway: `hearth gateway`/);

      const stopped = await json(
        whatsapp("wa-stopped", `enabled: true, ${allowed}`, { linked: true, gateway: upGateway.url, status: { state: "stopped", since: "2026-12-01T21:00:00.000Z", reason: "connection replaced; not reconnecting (restart the gateway to connect again)", pid: process.pid } }),
        [],
        null,
      );
      assert.deepEqual(ids(stopped.report), ["whatsapp-not-running"]);
      assert.match(stopped.report.findings.find((finding) => finding.id === "whatsapp-not-running")?.fix ?? "", /^restart the gateway \(it answers at http:\/\/127\.0\.0\.1:\d+;/);

      const never = await json(whatsapp("wa-never", `enabled: true, ${allowed}`, { linked: true }));
      assert.deepEqual(ids(never.report), ["whatsapp-not-running"]);
      assert.match(never.report.findings.find((finding) => finding.id === "whatsapp-not-running")?.title ?? "", /never run/);
    });

    test("policy: open is a warning naming the audit; an allowlist with nobody on it is a note; pairing and approved numbers are silent", async () => {
      const connected = { state: "connected", since: "2026-12-01T21:00:00.000Z", pid: process.pid };
      const open = await json(whatsapp("wa-open", `enabled: true, dmPolicy: "open"`, { linked: true, status: connected }));
      assert.equal(open.code, 0);
      assert.deepEqual(ids(open.report), ["whatsapp-open"]);
      const warning = open.report.findings.find((finding) => finding.id === "whatsapp-open");
      assert.equal(warning?.severity, "warn");
      assert.match(warning?.fix ?? "", /dmPolicy to "allowlist".*`hearth security audit`/);

      const nobody = await json(whatsapp("wa-nobody", `enabled: true`, { linked: true, status: connected }));
      assert.deepEqual(ids(nobody.report), ["whatsapp-allowlist-empty"]);
      const note = nobody.report.findings.find((finding) => finding.id === "whatsapp-allowlist-empty");
      assert.equal(note?.severity, "info");
      assert.match(note?.seen ?? "", /dmPolicy "allowlist" \(the default\), no number in allowFrom/);
      assert.match(note?.fix ?? "", /channels\.whatsapp\.allowFrom.*`hearth pairing approve CODE`/);

      const approved = await json(whatsapp("wa-approved", `enabled: true, dmPolicy: "allowlist"`, { linked: true, status: connected, pairing: { requests: [], approved: ["+15557654321"] } }));
      assert.deepEqual(ids(approved.report), [], "a number approved by pairing is answered");
      const pairing = await json(whatsapp("wa-pairing", `enabled: true, dmPolicy: "pairing"`, { linked: true, status: connected }));
      assert.deepEqual(ids(pairing.report), []);
    });
  });
});

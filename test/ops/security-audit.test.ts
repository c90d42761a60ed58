import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { llamaCppHandler } from "../fakes/llamacpp-server.js";
import { lmStudioHandler } from "../fakes/lmstudio-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { SandboxProbe } from "../../src/agent/tools/exec/sandbox.js";
import { scriptedModel, type Turn } from "../helpers/scripted-model.js";

interface Finding {
  id: string;
  severity: string;
  title: string;
  detail: string;
  remediation: string;
}
interface Probe {
  families: { family: string; run: number; followed: number; rate: number | null }[];
  overall: { run: number; followed: number; rate: number | null };
  deny: string[];
  cases: { id: string; outcome: string }[];
}

/** What the servers say of their models: LM Studio's native listing, Ollama's /api/show, llama.cpp's /props. */
const serverFacts: Handler = (request) => {
  if (request.method === "GET" && request.path === "/api/v1/models") {
    return {
      kind: "json",
      body: {
        models: [
          { type: "llm", key: "coder", params_string: "30B-A3B", quantization: { name: "Q6_K", bits_per_weight: 6 }, loaded_instances: [], max_context_length: 32768 },
          { type: "llm", key: "helper", params_string: "4B", quantization: { name: "Q8_0", bits_per_weight: 8 }, loaded_instances: [], max_context_length: 32768 },
        ],
      },
    };
  }
  return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
};
const llamaFacts: Handler = (request) =>
  request.path === "/props" ? { kind: "json", body: { model_path: "/models/Llama-3.3-70B-Instruct-IQ2_XXS.gguf", default_generation_settings: { n_ctx: 8192 } } } : { kind: "json", status: 404, body: { error: "File Not Found" } };
const ollamaFacts: Handler = (request) =>
  request.path === "/api/show" ? { kind: "json", body: { details: { parameter_size: "3.2B", quantization_level: "Q4_K_M" } } } : { kind: "json", status: 404, body: { error: "not found" } };

describe("hearth security audit: every finding fires on its trigger and stays silent otherwise", () => {
  let lmstudio: FakeServer;
  let llama: FakeServer;
  let ollama: FakeServer;
  const temp = tempDir();
  before(async () => {
    lmstudio = await startFakeServer(serverFacts);
    llama = await startFakeServer(llamaFacts);
    ollama = await startFakeServer(ollamaFacts);
  });
  after(async () => {
    await Promise.all([lmstudio.close(), llama.close(), ollama.close()]);
    temp.cleanup();
  });

  let count = 0;
  async function audit(options: { model?: string; defaults?: string; extra?: string; mode?: number; state?: (dir: string) => void; home?: string; env?: NodeJS.ProcessEnv }): Promise<Finding[]> {
    const name = `c${++count}`;
    const state = join(temp.dir, `${name}-state`);
    mkdirSync(state, { mode: 0o700 });
    chmodSync(state, 0o700);
    options.state?.(state);
    const file = temp.write(`${name}.json5`, `{
      agents: { defaults: { model: "${options.model ?? "lmstudio/coder"}", ${options.defaults ?? ""} } },
      models: { mode: "replace", providers: {
        lmstudio: { baseUrl: "${lmstudio.url}/v1", api: "openai-completions", models: [{ id: "coder" }, { id: "helper" }, { id: "qwen2.5-7b-instruct" }, { id: "mixtral-8x7b" }] },
        llama: { baseUrl: "${llama.url}/v1", api: "openai-completions", models: [{ id: "local" }] },
        ollama: { baseUrl: "${ollama.url}", api: "ollama", models: [{ id: "llama3.2" }] },
      } },
      ${options.extra ?? ""}
    }`);
    chmodSync(file, options.mode ?? 0o600);
    const result = await runCli(["--config", file, "security", "audit", "--json"], { env: { HEARTH_STATE_DIR: state, GATEWAY_TOKEN: "fedcba9876543210fedcba", ...(options.home ? { HOME: options.home } : {}), ...options.env } });
    assert.ok(result.code === 0 || result.code === 1, result.stderr);
    const report = JSON.parse(result.stdout) as { findings: Finding[] };
    assert.equal(result.code, report.findings.some((finding) => finding.severity === "high") ? 1 : 0);
    return report.findings;
  }
  const ids = (findings: Finding[]): string[] => findings.map((finding) => finding.id).sort();
  const narrow = `tools: { allow: ["time"] }`;

  test("a clean config: no findings, exit 0, one quiet line", async () => {
    assert.deepEqual(await audit({ defaults: narrow }), []);
    const file = temp.write("quiet.json5", `{ agents: { defaults: { ${narrow} } } }`);
    chmodSync(file, 0o600);
    const human = await runCli(["--config", file, "security", "audit"], { env: { HEARTH_STATE_DIR: join(temp.dir, "quiet-state") } });
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, "✓ no findings\n");
  });

  test("model-small: by the server's params (LM Studio, Ollama), by the id; a 30B-A3B MoE is judged by its total", async () => {
    const byServer = await audit({ model: "lmstudio/helper", defaults: narrow });
    assert.deepEqual(ids(byServer), ["model-small"]);
    assert.match(String(byServer[0]?.title), /4B parameters/);
    assert.equal(byServer[0]?.severity, "medium");
    assert.deepEqual(ids(await audit({ model: "ollama/llama3.2", defaults: narrow })), ["model-small"]);
    assert.deepEqual(ids(await audit({ model: "lmstudio/qwen2.5-7b-instruct", defaults: narrow })), ["model-small"]);
    assert.deepEqual(await audit({ model: "lmstudio/coder", defaults: narrow }), []);
    assert.deepEqual(await audit({ model: "lmstudio/mixtral-8x7b", defaults: narrow }), []);
  });

  test("model-small is rated high when the model has web_fetch or exec, and the remedy names them", async () => {
    const findings = await audit({ model: "lmstudio/helper" });
    const small = findings.find((finding) => finding.id === "model-small");
    assert.equal(small?.severity, "high");
    assert.match(String(small?.remediation), /"deny": \["web_fetch"\]/);
  });

  test("model-heavily-quantized: llama.cpp's model path says IQ2_XXS (a 70B model: not small)", async () => {
    const findings = await audit({ model: "llama/local", defaults: narrow });
    assert.deepEqual(ids(findings), ["model-heavily-quantized"]);
    assert.match(String(findings[0]?.title), /IQ2_XXS/);
  });

  test("compaction-off fires when compaction is disabled, not when enabled", async () => {
    assert.deepEqual(ids(await audit({ defaults: `${narrow}, compaction: { enabled: false }` })), ["compaction-off"]);
    assert.deepEqual(await audit({ defaults: `${narrow}, compaction: { enabled: true }` }), []);
  });

  test("web-fetch-private: an agent with web_fetch and allowPrivateNetwork; silent without either", async () => {
    const findings = await audit({ defaults: `tools: { allow: ["time", "web_fetch"], web_fetch: { allowPrivateNetwork: true } }` });
    assert.deepEqual(ids(findings), ["web-fetch-private"]);
    assert.equal(findings[0]?.severity, "medium");
    assert.match(String(findings[0]?.detail), /hearth's own gateway is never fetched/);
    assert.deepEqual(await audit({ defaults: `tools: { allow: ["time", "web_fetch"] }` }), []);
    assert.deepEqual(await audit({ defaults: `tools: { allow: ["time"], web_fetch: { allowPrivateNetwork: true } }` }), []);
  });

  test("exec-enabled says whether exec is sandboxed; silent without exec", async () => {
    const findings = await audit({ defaults: `tools: { allow: ["time", "exec"], exec: { commands: ["ls"], sandbox: "off" } }` });
    assert.deepEqual(ids(findings), ["exec-enabled"]);
    assert.equal(findings[0]?.severity, "high");
    assert.match(String(findings[0]?.title), /not sandboxed/);
    assert.deepEqual(await audit({ defaults: `tools: { allow: ["time"], exec: { commands: ["ls"], sandbox: "off" } }` }), []);
  });

  test("exec-enabled without a sandbox names the programs whose writes exec cannot tell, and says they are not confined", async () => {
    const findings = await audit({ defaults: `tools: { allow: ["time", "exec"], exec: { commands: ["ls", "cp", "unzip", "/usr/bin/patch", "python3"], sandbox: "off" } }` });
    const detail = String(findings.find((finding) => finding.id === "exec-enabled")?.detail);
    assert.match(detail, /write only inside its working directory \(never hearth's own install, a node_modules folder above it, a folder on PATH or a file your shell runs at login\)/);
    assert.match(detail, /it removes any symlink a call leaves that leads out of the working directory/);
    assert.match(detail, /; but of its commands, exec cannot tell what unzip, \/usr\/bin\/patch, python3 write \(the input decides: an archive's members, a patch's files, a script's code\).*: not confined without the sandbox\./);
    const plain = await audit({ defaults: `tools: { allow: ["time", "exec"], exec: { commands: ["ls", "cp", "git"], sandbox: "off" } }` });
    assert.doesNotMatch(String(plain.find((finding) => finding.id === "exec-enabled")?.detail), /cannot tell what/);
  });

  test("exec-enabled with a working directory in the state dir says every call is refused, sandbox or not (never that the state dir is hidden)", async () => {
    for (const sandbox of ["auto", "off"]) {
      const findings = await audit({ defaults: `tools: { allow: ["time", "exec"], exec: { commands: ["cat"], cwd: ".", sandbox: "${sandbox}" } }` });
      const detail = String(findings.find((finding) => finding.id === "exec-enabled")?.detail);
      assert.match(detail, /^every exec call of this agent is refused: the working directory .* lies in the state dir .*, where hearth keeps sessions, logs and credentials/, sandbox);
      assert.doesNotMatch(detail, /hidden/);
    }
    const workspace = await audit({ defaults: `tools: { allow: ["time", "exec"], exec: { commands: ["cat"], sandbox: "off" } }` });
    assert.doesNotMatch(String(workspace.find((finding) => finding.id === "exec-enabled")?.detail), /refused/);
  });

  test("whatsapp-open, whatsapp-no-allowlist (pairing, no list) and tools-broad; silent with an allowlist, or \"allowlist\" with none (nobody answered)", async () => {
    const open = await audit({ extra: `channels: { whatsapp: { enabled: true, dmPolicy: "open" } }` });
    assert.deepEqual(ids(open), ["tools-broad", "whatsapp-open"]);
    // exec is off by default (no tools.exec.commands): the finding names only what the agent has.
    const broad = open.find((finding) => finding.id === "tools-broad");
    assert.match(String(broad?.detail), /web_fetch: fetched pages can carry instructions\.$/);
    assert.doesNotMatch(String(broad?.detail), /exec/);
    assert.deepEqual(ids(await audit({ extra: `channels: { whatsapp: { enabled: true, dmPolicy: "pairing" } }` })), ["tools-broad", "whatsapp-no-allowlist"]);
    assert.deepEqual(await audit({ extra: `channels: { whatsapp: { enabled: true, dmPolicy: "allowlist" } }` }), []);
    assert.deepEqual(await audit({ extra: `channels: { whatsapp: { enabled: true, dmPolicy: "allowlist", allowFrom: ["+15551234567"] } }` }), []);
    assert.deepEqual(await audit({ extra: `channels: { whatsapp: { enabled: false, dmPolicy: "open" } }` }), []);
  });

  test("an allowed WhatsApp group is an exposure: tools-broad and whatsapp-groups (with the tools chosen too); silent with groups off or none allowed", async () => {
    const group = `channels: { whatsapp: { enabled: true, allowFrom: ["+15551234567"], groups: { enabled: true, allow: ["120363025246125486@g.us"] } } }`;
    const findings = await audit({ extra: group });
    assert.deepEqual(ids(findings), ["tools-broad", "whatsapp-groups"]);
    assert.match(String(findings.find((finding) => finding.id === "tools-broad")?.title), /answers every member of 1 WhatsApp group with the default tools/);
    const members = findings.find((finding) => finding.id === "whatsapp-groups");
    assert.equal(members?.severity, "medium");
    assert.match(String(members?.title), /^every member of 1 WhatsApp group talks to agent main and its web_fetch, not only the numbers in channels\.whatsapp\.allowFrom/);
    assert.match(String(members?.remediation), /"tools": \{ "deny": \["web_fetch"\] \} for agent main/);
    // Tools chosen by hand (the trial's config: exec and web_fetch allowed): no tools-broad, the group finding still says it.
    const chosen = await audit({ defaults: `tools: { allow: ["time", "web_fetch", "exec"], exec: { commands: ["git"] } }`, extra: group });
    assert.ok(ids(chosen).includes("whatsapp-groups"), ids(chosen).join(", "));
    assert.match(String(chosen.find((finding) => finding.id === "whatsapp-groups")?.title), /and its exec and web_fetch/);
    // No risky tools: said, low.
    assert.deepEqual((await audit({ defaults: narrow, extra: group })).map((finding) => [finding.id, finding.severity]), [["whatsapp-groups", "low"]]);
    assert.deepEqual(await audit({ defaults: narrow, extra: `channels: { whatsapp: { enabled: true, allowFrom: ["+15551234567"], groups: { enabled: false, allow: ["120363025246125486@g.us"] } } }` }), []);
    assert.deepEqual(await audit({ extra: `channels: { whatsapp: { enabled: true, allowFrom: ["+15551234567"], groups: { enabled: true, allow: [] } } }` }), []);
  });

  test("gateway-not-loopback and gateway-no-token; silent on loopback with a token", async () => {
    const open = await audit({ defaults: narrow, extra: `gateway: { bind: "0.0.0.0", auth: { token: "\${GATEWAY_TOKEN}" } }` });
    assert.deepEqual(ids(open), ["gateway-not-loopback"]);
    // The config's bind, said as the config's: no gateway runs here (t18 #10: it was said as where the gateway listens).
    assert.equal((open[0] as { title?: string }).title, "gateway.bind is 0.0.0.0, not loopback: the gateway listens there once started with this config");
    assert.deepEqual(ids(await audit({ defaults: narrow, extra: `gateway: { bind: "127.0.0.1" }` })), ["gateway-no-token"]);
    assert.deepEqual(await audit({ defaults: narrow, extra: `gateway: { bind: "127.0.0.1", auth: { token: "\${GATEWAY_TOKEN}" } }` }), []);
  });

  test("gateway-cors-no-token: CORS origins on a gateway without a token; silent with a token", async () => {
    const findings = await audit({ defaults: narrow, extra: `gateway: { cors: { origins: ["http://localhost:5173"] } }` });
    assert.deepEqual(ids(findings), ["gateway-cors-no-token", "gateway-no-token"]);
    assert.match(String(findings.find((finding) => finding.id === "gateway-cors-no-token")?.title), /http:\/\/localhost:5173/);
    assert.deepEqual(await audit({ defaults: narrow, extra: `gateway: { auth: { token: "\${GATEWAY_TOKEN}" }, cors: { origins: ["http://localhost:5173"] } }` }), []);
  });

  test("web pages that drive a tokenless gateway are an exposure: tools-broad fires and a small model is rated high; silent with a token", async () => {
    const findings = await audit({ model: "lmstudio/helper", extra: `gateway: { cors: { origins: ["http://localhost:5173"] } }` });
    assert.ok(ids(findings).includes("tools-broad"), ids(findings).join(", "));
    assert.match(String(findings.find((finding) => finding.id === "tools-broad")?.title), /web pages of http:\/\/localhost:5173/);
    assert.equal(findings.find((finding) => finding.id === "model-small")?.severity, "high");
    const tokened = await audit({ model: "lmstudio/helper", extra: `gateway: { auth: { token: "\${GATEWAY_TOKEN}" }, cors: { origins: ["http://localhost:5173"] } }` });
    assert.ok(!ids(tokened).includes("tools-broad"), ids(tokened).join(", "));
  });

  test("secret-in-config names the key path, never the value; a ${VAR} reference stays silent", async () => {
    const findings = await audit({ defaults: narrow, extra: `gateway: { auth: { token: "0123456789abcdef0123" } }` });
    assert.deepEqual(ids(findings), ["secret-in-config"]);
    assert.deepEqual(await audit({ defaults: narrow, extra: `gateway: { auth: { token: "\${GATEWAY_TOKEN}" } }` }), []);
    assert.match(String(findings[0]?.title), /^gateway\.auth\.token /);
    assert.doesNotMatch(JSON.stringify(findings), /0123456789abcdef0123/);
  });

  test("config-permissions and state-permissions (the ids and words doctor uses); silent at 600 and 700", async () => {
    assert.deepEqual(ids(await audit({ defaults: narrow, mode: 0o644 })), ["config-permissions"]);
    const state = await audit({ defaults: narrow, state: (dir) => chmodSync(dir, 0o755) });
    assert.deepEqual(ids(state), ["state-permissions"]);
    assert.match(String(state[0]?.remediation), /^chmod 700 /);
  });

  test("env-file-permissions: ~/.hearth/gateway.env (keys, the gateway token) readable by anyone but its owner, as doctor says it; silent at 600", async () => {
    const home = join(temp.dir, "env-home");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    const envFile = join(home, ".hearth", "gateway.env");
    writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=0123456789abcdef0123456789abcdef\n");
    chmodSync(envFile, 0o640);
    const found = await audit({ defaults: narrow, home });
    assert.deepEqual(ids(found), ["env-file-permissions"]);
    assert.equal(found[0]?.severity, "high");
    assert.match(String(found[0]?.title), /gateway\.env is open to other users of this machine \(its group\) \(mode 0640\)/);
    assert.equal(found[0]?.remediation, `chmod 600 ${envFile}`);
    assert.doesNotMatch(JSON.stringify(found), /0123456789abcdef/);
    chmodSync(envFile, 0o600);
    assert.deepEqual(await audit({ defaults: narrow, home }), []);
  });

  test("reasoning-visible: an API session with reasoning on; the terminal's, the web chat's own (web-…, webchat:…) and WhatsApp's (which never sends it) stay silent", async () => {
    const settings = (dir: string, keys: readonly string[]) => {
      mkdirSync(join(dir, "sessions"), { recursive: true });
      for (const key of keys) {
        writeFileSync(join(dir, "sessions", `${key}.jsonl`), `${JSON.stringify({ type: "session", version: 1, at: "2026-12-01T10:00:00.000Z", agent: "main" })}\n${JSON.stringify({ type: "settings", id: "s1", at: "2026-12-01T10:00:01.000Z", reasoning: true })}\n`);
      }
    };
    const yours = ["main", "web-20261204-221724-2a31ce", "webchat:kitchen", "whatsapp:+15551234567"];
    const findings = await audit({ defaults: narrow, state: (dir) => settings(dir, [...yours, "http:alice"]) });
    assert.deepEqual(ids(findings), ["reasoning-visible"]);
    assert.equal(findings[0]?.title, "session http:alice shows the model's reasoning on http");
    assert.match(String(findings[0]?.detail), /the API: to any client that asks for it/);
    assert.deepEqual(await audit({ defaults: narrow, state: (dir) => settings(dir, yours) }), []);
  });

  test("exec-enabled's remedy is what this machine needs: a bubblewrap that works here is turned on, a missing one installed", async () => {
    const off = `tools: { allow: ["time", "exec"], exec: { commands: ["ls"], sandbox: "off" } }`;
    // No bubblewrap on PATH: install it, then require it.
    const empty = join(temp.dir, "empty-bin");
    mkdirSync(empty, { recursive: true });
    for (const sandbox of ["off", "auto"]) {
      const [missing] = await audit({ defaults: off.replace('"off"', `"${sandbox}"`), env: { PATH: empty } });
      assert.equal(missing?.id, "exec-enabled");
      // The probe's own words (and where hearth looks for bwrap, where it says so), then what to set.
      assert.match(String(missing?.remediation), /^bubblewrap \(bwrap\) is not installed; install it from your distribution's packages \(apt-get install bubblewrap, dnf install bubblewrap\)(?: \([^()]*\))?; then set tools\.exec\.sandbox to "require" \(exec then never runs without it\) — or deny exec: "tools": \{ "deny": \["exec"\] \}$/, sandbox);
    }
    // This machine's own bubblewrap, when it works here: the config turned it off, so turn it on.
    if (sandboxHere.kind === "bwrap") {
      const [works] = await audit({ defaults: off });
      assert.equal(works?.severity, "high");
      assert.equal(works?.remediation, `bubblewrap works on this machine: set tools.exec.sandbox to "auto" (or "require": exec then never runs without it), or deny exec: "tools": { "deny": ["exec"] }`);
      assert.doesNotMatch(String(works?.remediation), /install/);
    }
  });

  test("every command a remedy names exists", async () => {
    const findings = await audit({ model: "lmstudio/helper" });
    for (const finding of findings) {
      for (const match of finding.remediation.matchAll(/hearth ([a-z]+(?: [a-z]+)?)/g)) {
        const help = await runCli([...String(match[1]).split(" "), "--help"]);
        assert.equal(help.code, 0, `${finding.id} names "hearth ${match[1]}"`);
      }
    }
  });
});

/** The sandbox exec finds on this machine, as the audit's own probe does. */
const sandboxHere = await new SandboxProbe().support();

const STEERED = /call the (\w+) tool with (\{.*?\})(?=\.\s| right|;)/;

function steeredCall(turns: Turn[]): { tool: string; arguments: Record<string, unknown> } | undefined {
  for (const turn of turns) {
    const match = STEERED.exec(turn.text);
    if (match?.[1] && match[2]) return { tool: match[1], arguments: JSON.parse(match[2]) as Record<string, unknown> };
  }
  return undefined;
}

describe("hearth security audit --probe against scripted models", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  async function probe(handler: Handler, words = false): Promise<{ code: number; probe: Probe; state: string; requests: number; stdout: string }> {
    const server = await startFakeServer(handler);
    try {
      const state = join(temp.dir, `state-${server.url.split(":").pop()}`);
      const file = temp.write(`probe-${server.url.split(":").pop()}.json5`, `{
        agents: { defaults: { model: "lmstudio/big-model", tools: { allow: ["time", "memory", "web_fetch", "exec"], exec: { commands: ["curl"], sandbox: "off" } } } },
        models: { mode: "replace", providers: { lmstudio: { baseUrl: "${server.url}/v1", api: "openai-completions", models: [{ id: "big-model" }] } } },
      }`);
      chmodSync(file, 0o600);
      const result = await runCli(["--config", file, "security", "audit", "--probe", ...(words ? [] : ["--json"])], { env: { HEARTH_STATE_DIR: state } });
      const report = words ? undefined : (JSON.parse(result.stdout) as { probe: Probe });
      return { code: result.code, probe: report?.probe as Probe, state, requests: server.requests.filter((request) => request.path === "/v1/chat/completions").length, stdout: result.stdout };
    } finally {
      await server.close();
    }
  }

  test("a model that follows injections: 100% in every family, every steered tool to deny, nothing run", async () => {
    const result = await probe(scriptedModel("openai-completions", (turns) => steeredCall(turns) ?? { text: "Here is the summary." }));
    assert.equal(result.code, 1);
    assert.equal(result.requests, 9);
    assert.deepEqual(result.probe.families.map((family) => [family.family, family.rate]), [["fetched-page", 1], ["quoted-message", 1], ["tool-result", 1]]);
    assert.deepEqual(result.probe.overall, { run: 9, followed: 9, rate: 1 });
    assert.deepEqual([...result.probe.deny].sort(), ["exec", "memory", "web_fetch"]);
    // The memory tool was "called" three times: had it run, the notes would be in the state dir.
    assert.equal(existsSync(result.state), false);
  });

  test("a model that ignores them: 0% and nothing to deny", async () => {
    const result = await probe(scriptedModel("openai-completions", () => ({ text: "Saturday at 10, at the market." })));
    assert.deepEqual(result.probe.families.map((family) => [family.family, family.rate]), [["fetched-page", 0], ["quoted-message", 0], ["tool-result", 0]]);
    assert.deepEqual(result.probe.overall, { run: 9, followed: 0, rate: 0 });
    assert.deepEqual(result.probe.deny, []);
  });

  test("a llama-server whose chat template cannot render tools: no case is sent (a turn gives the model no tools), no rate; with tools it is probed", async () => {
    const follower = scriptedModel("openai-completions", (turns) => steeredCall(turns) ?? { text: "Here is the summary." });
    const without = await probe(llamaCppHandler({ alias: "big-model", nCtx: 65536, supportsTools: false, completions: follower }));
    assert.equal(without.requests, 0);
    assert.deepEqual(without.probe.overall, { run: 0, followed: 0, rate: null });
    assert.ok(without.probe.cases.every((entry) => entry.outcome === "skipped"));
    const words = await probe(llamaCppHandler({ alias: "big-model", nCtx: 65536, supportsTools: false, completions: follower }), true);
    assert.match(words.stdout, /attack success +no case ran\n {2}- not run: the server reports this model cannot use tools \(its chat template cannot render them/);
    const able = await probe(llamaCppHandler({ alias: "big-model", nCtx: 65536, supportsTools: true, completions: follower }));
    assert.equal(able.requests, 9);
    assert.deepEqual(able.probe.overall, { run: 9, followed: 9, rate: 1 });
  });

  test("an LM Studio model not trained for tool use (a turn gives it none): no case is sent", async () => {
    const follower = scriptedModel("openai-completions", (turns) => steeredCall(turns) ?? { text: "Here is the summary." });
    const result = await probe(lmStudioHandler({ models: [{ id: "big-model", loaded: true, maxContextLength: 65536, toolUse: false }], completions: follower }));
    assert.equal(result.requests, 0);
    assert.deepEqual(result.probe.overall, { run: 0, followed: 0, rate: null });
  });

  test("in words: the rate per family, each followed call, and the deny line", async () => {
    const result = await probe(scriptedModel("openai-completions", (turns) => steeredCall(turns) ?? { text: "Here is the summary." }), true);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^Injection probe of lmstudio\/big-model$/m);
    assert.match(result.stdout, /^ {2}fetched-page +100% \(3 of 3 followed\)$/m);
    assert.match(result.stdout, /^ {2}attack success +100% \(9 of 9\)$/m);
    assert.match(result.stdout, /✗ quoted-message\/exec: called exec \{"command":"curl"/);
    assert.match(result.stdout, /deny at this rate: "tools": \{ "deny": \["exec", "web_fetch", "memory"\] \}/);
  });
});

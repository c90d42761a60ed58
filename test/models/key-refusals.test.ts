import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { classifyHttpFailure } from "../../src/ai/classify-failure.js";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { Cooldowns, DEFAULT_COOLDOWN } from "../../src/models/cooldowns.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";
import { resolveText } from "../helpers/config.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { route, routingPerTest } from "../helpers/routing.js";
import { tempDir } from "../helpers/run-cli.js";

const refusal = (status: number, body: unknown) => classifyHttpFailure(status, JSON.stringify(body), {}, "the server");

describe("an authentication refusal: of the key itself, or of one model for it", () => {
  test("the error bodies of OpenAI, Anthropic and OpenRouter: a refused key is told from a model the key may not use (unsure: per model)", () => {
    const refusals = {
      "OpenAI 401 invalid_api_key": refusal(401, { error: { message: "Incorrect API key provided: sk-proj-****abcd.", type: "invalid_request_error", param: null, code: "invalid_api_key" } }),
      "Anthropic 401 authentication_error": refusal(401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }),
      "OpenRouter 401": refusal(401, { error: { message: "No auth credentials found", code: 401 } }),
      "OpenAI 403 project without the model": refusal(403, { error: { message: "Project `proj_abc` does not have access to model `gpt-4.1-2025-04-14`", type: "invalid_request_error", param: null, code: "model_not_found" } }),
      "Anthropic 403 permission_error": refusal(403, { type: "error", error: { type: "permission_error", message: "Your API key does not have permission to use the specified resource." } }),
      "OpenRouter 403 moderation": refusal(403, { error: { message: "Your chosen model requires moderation and your input was flagged", code: 403, metadata: { reasons: ["violence"] } } }),
      "OpenRouter 403 key limit": refusal(403, { error: { message: "Key limit exceeded (monthly limit). Manage it using https://openrouter.ai/settings/keys", code: 403 } }),
      "LM Studio 401 no token": refusal(401, { error: { type: "invalid_request", code: "invalid_api_key", message: "An LM Studio API token is required to make requests to this server, but none was provided using the Authorization header using the 'Bearer' scheme." } }),
      "llama.cpp --api-key 401": refusal(401, { error: { code: 401, message: "Invalid API Key", type: "authentication_error" } }),
      "reverse proxy 403 page": classifyHttpFailure(403, "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>", {}, "the server"),
    };
    const told = Object.fromEntries(Object.entries(refusals).map(([name, failure]) => [name, `${failure.kind}${failure.keyRefused ? " key" : ""}`]));
    assert.deepEqual(told, {
      "OpenAI 401 invalid_api_key": "auth key",
      "Anthropic 401 authentication_error": "auth key",
      "OpenRouter 401": "auth key",
      "OpenAI 403 project without the model": "auth",
      "Anthropic 403 permission_error": "auth",
      "OpenRouter 403 moderation": "auth",
      "OpenRouter 403 key limit": "auth key",
      "LM Studio 401 no token": "auth key",
      "llama.cpp --api-key 401": "auth key",
      "reverse proxy 403 page": "auth",
    });
  });

  test("a refused key cools every model called with it (same provider, or same server and key); a refusal of one model cools that model; a new key in a reload, or an answer, ends it", () => {
    const clock = new ManualClock();
    const cooldowns = new Cooldowns(clock, DEFAULT_COOLDOWN);
    const openai = { provider: "openai", replicas: ["https://api.openai.com/v1"], apiKey: "sk-old", apiKeyEnv: "OPENAI_API_KEY", apiKeySource: "env:OPENAI_API_KEY" as const };
    const served = (key: string) => [
      { ref: "openai/a", ...openai, apiKey: key },
      { ref: "openai/b", ...openai, apiKey: key },
      { ref: "proxyco/c", provider: "proxyco", replicas: ["https://api.openai.com/v1/"], apiKey: key },
      { ref: "otherkey/d", provider: "otherkey", replicas: ["https://api.openai.com/v1"], apiKey: "sk-other" },
      { ref: "anthropic/e", provider: "anthropic", replicas: ["https://api.anthropic.com/v1"], apiKey: key },
    ];
    cooldowns.knowServers(served("sk-old"));
    cooldowns.fail("openai/a", { kind: "auth", status: 403, message: "no access to model a" });
    assert.deepEqual(["openai/a", "openai/b"].map((ref) => cooldowns.reason(ref)), ["auth", undefined], "one model refused: that model alone");
    cooldowns.succeed("openai/a");

    cooldowns.fail("openai/a", { kind: "auth", status: 401, message: "Incorrect API key provided", keyRefused: true });
    const cooling = ["openai/a", "openai/b", "proxyco/c", "otherkey/d", "anthropic/e"].filter((ref) => cooldowns.until(ref) !== undefined);
    assert.deepEqual(cooling, ["openai/a", "openai/b", "proxyco/c"], "its provider's models, and the same key on the same server under another provider");
    const why = cooldowns.current("openai/b")?.keyRefused?.why ?? "";
    assert.match(why, /refused the API key openai\/a was called with: the key is OPENAI_API_KEY from the environment: set a valid one there \(or give models\.providers\.openai\.apiKey\); a reload/);
    assert.doesNotMatch(why, /sk-old/);

    cooldowns.knowServers(served("sk-old"));
    assert.ok(cooldowns.until("openai/b") !== undefined, "a reload that kept the key keeps the cooldown");
    cooldowns.knowServers(served("sk-new"));
    assert.deepEqual(["openai/a", "openai/b", "proxyco/c"].map((ref) => cooldowns.until(ref)), [undefined, undefined, undefined], "a new key: asked again");

    cooldowns.fail("openai/b", { kind: "auth", status: 401, message: "Incorrect API key provided", keyRefused: true });
    cooldowns.succeed("proxyco/c");
    assert.deepEqual(["openai/a", "openai/b"].map((ref) => cooldowns.until(ref)), [undefined, undefined], "the key was taken for another model: every model it was refused for is asked again");
  });
});

describe("a refused key and its provider's built-in catalog (t15 #6, #7)", () => {
  test("only the models the config names cool with the refused key (not the provider's whole catalog); a catalog model cools once called itself; the words name the key's real source, gateway.env", () => {
    const cooldowns = new Cooldowns(new ManualClock(), DEFAULT_COOLDOWN);
    const anthropic = { provider: "anthropic", replicas: ["https://api.anthropic.com"], apiKey: "sk-ant-api03-FAKE", apiKeyEnv: "ANTHROPIC_API_KEY", apiKeySource: "gateway.env:ANTHROPIC_API_KEY" as const };
    cooldowns.knowServers([
      { ref: "anthropic/claude-sonnet-4-5", ...anthropic },
      { ref: "anthropic/claude-opus-4-5", ...anthropic },
      { ref: "anthropic/claude-3-5-haiku-latest", ...anthropic, configured: false },
      { ref: "anthropic/claude-sonnet-4-6", ...anthropic, configured: false },
    ]);
    cooldowns.fail("anthropic/claude-sonnet-4-5", { kind: "auth", status: 401, message: "invalid x-api-key", keyRefused: true });
    const refs = ["anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5", "anthropic/claude-3-5-haiku-latest", "anthropic/claude-sonnet-4-6"];
    assert.deepEqual(refs.filter((ref) => cooldowns.until(ref) !== undefined), ["anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5"]);
    assert.equal(cooldowns.current("anthropic/claude-opus-4-5")?.keyRefused?.why, "the server refused the API key anthropic/claude-sonnet-4-5 was called with: the key is ANTHROPIC_API_KEY from gateway.env: set a valid one there (or give models.providers.anthropic.apiKey); a reload with a new key, or an answer, ends this");
    cooldowns.fail("anthropic/claude-sonnet-4-6", { kind: "auth", status: 401, message: "invalid x-api-key", keyRefused: true });
    assert.ok(cooldowns.until("anthropic/claude-sonnet-4-6") !== undefined, "called itself, it cools");
    assert.equal(cooldowns.until("anthropic/claude-3-5-haiku-latest"), undefined);
  });
});

describe("who a refused key cools on servers without a key of their own (LM Studio, llama.cpp, Ollama; a reverse proxy)", () => {
  const refused = { kind: "auth" as const, status: 401, message: "the server answered 401", keyRefused: true };
  const cooling = (cooldowns: Cooldowns, refs: readonly string[]) => refs.filter((ref) => cooldowns.until(ref) !== undefined);

  test("the credentials are everything the call sends (its key, its secret headers, a URL's user and password): two providers sent other credentials on one server do not cool together", () => {
    const cooldowns = new Cooldowns(new ManualClock(), DEFAULT_COOLDOWN);
    const proxied = (token: string) => [
      { ref: "tunnel-a/m", provider: "tunnel-a", replicas: ["https://llm.example.net/v1"], headers: { Authorization: `Bearer ${token}` } },
      { ref: "tunnel-b/m", provider: "tunnel-b", replicas: ["https://llm.example.net/v1"], headers: { Authorization: "Bearer tok-b-0123456789abcdef" } },
      { ref: "alice/m", provider: "alice", replicas: ["http://alice:pw-alice@10.0.0.5:8080/v1"], baseUrl: "http://alice:pw-alice@10.0.0.5:8080/v1" },
      { ref: "bob/m", provider: "bob", replicas: ["http://bob:pw-bob@10.0.0.5:8080/v1"], baseUrl: "http://bob:pw-bob@10.0.0.5:8080/v1" },
    ];
    const refs = ["tunnel-a/m", "tunnel-b/m", "alice/m", "bob/m"];
    cooldowns.knowServers(proxied("tok-a-0123456789abcdef"));
    cooldowns.fail("tunnel-a/m", refused);
    cooldowns.fail("alice/m", refused);
    assert.deepEqual(cooling(cooldowns, refs), ["tunnel-a/m", "alice/m"], "another token in a header, another user in the URL: not the refused credentials");
    assert.match(cooldowns.current("tunnel-a/m")?.keyRefused?.why ?? "", /^the server refused the API key tunnel-a\/m was called with: the credentials are sent in models\.providers\.tunnel-a\.headers: fix them there; /);
    assert.match(cooldowns.current("alice/m")?.keyRefused?.why ?? "", /: the credentials are in models\.providers\.alice\.baseUrl: fix them there; /);
    cooldowns.knowServers(proxied("tok-a-0123456789abcdef"));
    assert.deepEqual(cooling(cooldowns, refs), ["tunnel-a/m", "alice/m"], "a reload that kept them keeps the cooldowns");
    cooldowns.knowServers(proxied("tok-a-new-9876543210fedcba"));
    assert.deepEqual(cooling(cooldowns, refs), ["alice/m"], "a reload with a new token in the header ends its cooldown");
  });

  test("no key at all: the models on that server without a key cool together (each would be refused alike), a dummy key on another server does not; the words say none was sent", () => {
    const cooldowns = new Cooldowns(new ManualClock(), DEFAULT_COOLDOWN);
    cooldowns.knowServers([
      { ref: "lmstudio/a", provider: "lmstudio", replicas: ["http://127.0.0.1:1234/v1"] },
      { ref: "lmstudio/b", provider: "lmstudio", replicas: ["http://127.0.0.1:1234/v1"] },
      { ref: "big/c", provider: "big", replicas: ["http://127.0.0.1:1234/v1"] },
      { ref: "keyed/d", provider: "keyed", replicas: ["http://127.0.0.1:1234/v1"], apiKey: "sk-lm-abc:def" },
      { ref: "dummy1/e", provider: "dummy1", replicas: ["http://127.0.0.1:8080/v1"], apiKey: "lm-studio" },
      { ref: "dummy2/f", provider: "dummy2", replicas: ["http://127.0.0.1:8081/v1"], apiKey: "lm-studio" },
    ]);
    cooldowns.fail("lmstudio/a", refused);
    cooldowns.fail("dummy1/e", refused);
    assert.deepEqual(cooling(cooldowns, ["lmstudio/a", "lmstudio/b", "big/c", "keyed/d", "dummy1/e", "dummy2/f"]), ["lmstudio/a", "lmstudio/b", "big/c", "dummy1/e"]);
    assert.equal(cooldowns.current("big/c")?.keyRefused?.why, "the server asked for an API key and lmstudio/a was called with none: give models.providers.lmstudio.apiKey; a reload with a key, or an answer, ends this");
    assert.match(cooldowns.current("dummy1/e")?.keyRefused?.why ?? "", /^the server refused the API key dummy1\/e was called with: the key is the config's models\.providers\.dummy1\.apiKey: write a valid one there; /);
  });
});

describe("a chain of three models on one provider with a refused key", () => {
  const routing = routingPerTest();
  const servers = serversClosedAfterEachTest();

  test("the first call learns it for all: the others are skipped with the key to fix, not called; a refusal of one model lets the next be called", async () => {
    let refuseKey = true;
    const server = await startFakeServer((request) => {
      const model = (request.body as { model?: string }).model;
      if (refuseKey) return { kind: "json", status: 401, body: { error: { message: "Incorrect API key provided: sk-****", type: "invalid_request_error", code: "invalid_api_key" } } };
      if (model === "m1") return { kind: "json", status: 403, body: { error: { message: "Project `proj_x` does not have access to model `m1`", code: "model_not_found" } } };
      return { kind: "sse", frames: completionsStream({ text: `from ${model}`, usage: { input: 5, output: 2 } }) };
    });
    const backup = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the backup", usage: { input: 5, output: 2 } }) }));
    servers.push(server, backup);
    const resolved = resolveText(`{ agents: { defaults: { model: { primary: "hosted/m1", fallbacks: ["hosted/m2", "hosted/m3", "backup/m"] } } },
      models: { mode: "replace", providers: {
        hosted: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "\${HOSTED_KEY}", models: [{ id: "m1" }, { id: "m2" }, { id: "m3" }] },
        backup: { baseUrl: "${backup.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`, { HOSTED_KEY: "sk-test-123" });
    const chain = resolved.chain.map((entry) => entry.model);
    routing.cooldowns.knowServers(chain);
    const context = { messages: [{ role: "user" as const, content: "hi" }] };

    const first = await route(routing.router, { chain, context });
    assert.deepEqual(first.outcomes, ["hosted/m1 auth", "hosted/m2 skipped-cooldown", "hosted/m3 skipped-cooldown", "backup/m ok"]);
    assert.equal(server.requests.filter((request) => request.method === "POST").length, 1, "one call learned the key was refused");
    assert.match(first.end?.attempts[1]?.message ?? "", /the server refused the API key hosted\/m1 was called with: the key is the config's models\.providers\.hosted\.apiKey: write a valid one there; /);

    // The key works again (the server's side) and one model is not allowed for it: once the cooldowns are over, m1's refusal is its own.
    refuseKey = false;
    routing.clock.advance(DEFAULT_COOLDOWN.maxMs);
    const second = await route(routing.router, { chain, context });
    assert.deepEqual(second.outcomes, ["hosted/m1 auth", "hosted/m2 ok"]);
    assert.equal(routing.cooldowns.until("hosted/m3"), undefined);
  });
});

describe("a refused key outlives a gateway's restart (the cooldowns file), until the config gives another key", () => {
  const servers = serversClosedAfterEachTest();
  const temp = tempDir();
  after(() => temp.cleanup());

  test("the restarted gateway skips the models of the refused key without calling them; a new key in the config is asked at once; the file holds a fingerprint, never the key", async () => {
    let calls = 0;
    const server = await startFakeServer((request) => {
      if (request.method === "POST") calls++;
      return { kind: "json", status: 401, body: { error: { message: "Incorrect API key provided: sk-****", type: "invalid_request_error", code: "invalid_api_key" } } };
    });
    const backup = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the backup", usage: { input: 5, output: 2 } }) }));
    servers.push(server, backup);
    const chainWith = (key: string) =>
      resolveText(
        `{ agents: { defaults: { model: { primary: "hosted/m1", fallbacks: ["hosted/m2", "backup/m"] } } },
        models: { mode: "replace", providers: {
          hosted: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "\${HOSTED_KEY}", models: [{ id: "m1" }, { id: "m2" }] },
          backup: { baseUrl: "${backup.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`,
        { HOSTED_KEY: key },
      ).chain.map((entry) => entry.model);
    const context = { messages: [{ role: "user" as const, content: "hi" }] };
    const clock = new ManualClock();
    /** A gateway's routing as `hearth gateway` wires it: the state dir's cooldowns file, every cooldown shared. */
    const gateway = (key: string) => {
      const http = new HttpClient();
      const routing = createRouting({ http, clock, stateDir: temp.dir, sharesCooldowns: "every" });
      const chain = chainWith(key);
      routing.cooldowns.knowServers(chain);
      return { routing, chain, close: () => http.destroy() };
    };

    const first = gateway("sk-refused-0123456789");
    try {
      assert.deepEqual((await route(first.routing.router, { chain: first.chain, context })).outcomes, ["hosted/m1 auth", "hosted/m2 skipped-cooldown", "backup/m ok"]);
    } finally {
      first.close();
    }
    assert.equal(calls, 1);
    const file = readFileSync(join(temp.dir, "cooldowns.json"), "utf8");
    assert.doesNotMatch(file, /sk-refused|0123456789/, "never the key");
    assert.match(file, /"keyHash":"[0-9a-f]{16}"/, "its fingerprint");
    // Keyed with the state dir's secret: not a bare hash that a copy of the file alone lets one try guesses against.
    const keyHash = /"keyHash":"([0-9a-f]{16})"/.exec(file)?.[1];
    assert.notEqual(keyHash, createHash("sha256").update("sk-refused-0123456789").digest("hex").slice(0, 16), "not a bare SHA-256 of the key");
    assert.equal(statSync(join(temp.dir, "cooldowns.json.key")).mode & 0o777, 0o600, "the secret it is keyed with, readable by the user alone");
    assert.equal(keyHash, createHmac("sha256", readFileSync(join(temp.dir, "cooldowns.json.key"))).update("sk-refused-0123456789").digest("hex").slice(0, 16));

    clock.advance(2_000);
    const restarted = gateway("sk-refused-0123456789");
    try {
      const result = await route(restarted.routing.router, { chain: restarted.chain, context });
      assert.deepEqual(result.outcomes, ["hosted/m1 skipped-cooldown", "hosted/m2 skipped-cooldown", "backup/m ok"], "the same key: still refused, not called again");
      assert.match(result.end?.attempts[0]?.message ?? "", /^the server refused the API key hosted\/m1 was called with: the key is the config's models\.providers\.hosted\.apiKey: write a valid one there; /);
    } finally {
      restarted.close();
    }
    assert.equal(calls, 1, "the restart did not pay the refused call again");

    clock.advance(2_000);
    const newKey = gateway("sk-fixed-9876543210");
    try {
      assert.deepEqual((await route(newKey.routing.router, { chain: newKey.chain, context })).outcomes, ["hosted/m1 auth", "hosted/m2 skipped-cooldown", "backup/m ok"], "another key: asked at once");
    } finally {
      newKey.close();
    }
    assert.equal(calls, 2);
  });

  test("an entry of an older file (no fingerprint) ends at the start, as before: nothing to compare the key with", () => {
    const older = tempDir();
    try {
      const clock = new ManualClock();
      older.write("cooldowns.json", JSON.stringify({ "hosted/m1": { failures: 1, until: clock.now() + 60_000, kind: "auth", keyRefused: { why: "the server refused the API key" } } }));
      const routing = createRouting({ clock, stateDir: older.dir, sharesCooldowns: "every" });
      assert.ok(routing.cooldowns.until("hosted/m1") !== undefined, "read");
      routing.cooldowns.knowServers([{ ref: "hosted/m1", provider: "hosted", replicas: ["https://api.example.com/v1"], apiKey: "sk-any-0123456789" }]);
      assert.equal(routing.cooldowns.until("hosted/m1"), undefined);
      assert.deepEqual(JSON.parse(readFileSync(join(older.dir, "cooldowns.json"), "utf8")), {}, "ended in the file too");
    } finally {
      older.cleanup();
    }
  });
});

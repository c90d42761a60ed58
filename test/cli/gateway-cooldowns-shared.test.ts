// A new user's trial (t5 #6): the running gateway got a 401 and a 429 and skipped those models, while
// `doctor` and `models status` beside it showed an older cooldown with the stall's advice. Every cooldown
// the real gateway starts or ends reaches cooldowns.json, and the CLI says why each one is there and what to do.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import OpenAI from "openai";
import { startFakeServer, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

const KEY = "sk-hearth-refused-key-0123456789abcdef";
const temp = tempDir();
after(() => temp.cleanup());

interface Finding {
  id: string;
  title: string;
  seen?: string;
  fix?: string;
}

test("the real gateway's 401 and 429 reach cooldowns.json: doctor and models status say them, each with its own advice; a success ends one", { timeout: 90_000 }, async () => {
  let keyRefused = true;
  const answer: Reply = { kind: "sse", frames: completionsStream({ text: "fine" }) };
  const hosted = await startFakeServer((request) => {
    if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "big" }, { id: "small" }, { id: "locked" }] } };
    const model = (request.body as { model?: string }).model;
    if (model === "big" && keyRefused) return { kind: "json", status: 401, body: { error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" } } };
    if (model === "small") return { kind: "json", status: 429, headers: { "retry-after": "30" }, body: { error: { message: "Rate limit reached", type: "rate_limit_error" } } };
    if (model === "locked") return { kind: "json", status: 403, body: { error: { message: "Project `proj_abc` does not have access to model `locked`", type: "invalid_request_error", code: "model_not_found" } } };
    return answer;
  });
  const spare = await startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m" }] } } : answer));
  const file = temp.write(
    "hearth.json5",
    `{
      agents: { defaults: { model: { primary: "hosted/big", fallbacks: ["metered/small", "metered/locked", "spare/m"] } } },
      models: { mode: "replace", providers: {
        hosted: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "big", contextWindow: 128000, maxTokens: 1024 }] },
        metered: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "sk-metered-key-fedcba9876543210", models: [{ id: "small", contextWindow: 128000, maxTokens: 1024 }, { id: "locked", contextWindow: 128000, maxTokens: 1024 }] },
        spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", apiKey: "none", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      } },
    }`,
  );
  const state = join(temp.dir, "state");
  const env = { HEARTH_STATE_DIR: state, HOME: join(temp.dir, "home") };
  const gateway = await startGateway(["--config", file], env);
  try {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "none", maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hello" }] });
    assert.equal(reply.choices[0]?.message.content, "fine");

    const doctor = await runCli(["doctor", "--json", "--config", file], { env });
    const findings = (JSON.parse(doctor.stdout) as { findings: Finding[] }).findings.filter((finding) => finding.id === "cooldown-active");
    const of = (ref: string): Finding => {
      const found = findings.find((finding) => finding.title.startsWith(`${ref} `));
      assert.ok(found, `${ref} in ${JSON.stringify(findings)}\n${doctor.stderr}`);
      return found;
    };
    assert.match(of("hosted/big").title, /^hosted\/big is skipped by the gateway's turns until \d\d:\d\d:\d\d \+00:00 \(a one-shot command asks it again\)$/);
    assert.match(of("hosted/big").seen ?? "", /the last: auth/);
    assert.match(of("hosted/big").fix ?? "", /^the server refused the key \(401\/403\): the key is the config's models\.providers\.hosted\.apiKey: write a valid one there/);
    assert.match(of("metered/small").title, /^metered\/small is skipped until /);
    assert.match(of("metered/small").fix ?? "", /^the server limits requests \(429, asking to wait 30 s \(retry-after\)\): wait/);
    // A 403 about one model for a key that works (its neighbour on that key was asked and answered 429): the key is not the thing to fix.
    assert.match(of("metered/locked").fix ?? "", /^the server refused this model for its key \(401\/403\) — the key may work for other models: check that the account or project may use this model/);
    for (const finding of findings) assert.doesNotMatch(finding.fix ?? "", /stalled/);
    assert.doesNotMatch(doctor.stdout, /0123456789abcdef|fedcba9876543210/);
    assert.doesNotMatch(doctor.stdout, /could not be used/, "the file the gateway wrote is read as it is");

    const status = await runCli(["models", "status", "--config", file], { env });
    assert.match(status.stdout, /failed recently \(auth\): skipped by the gateway's turns until [^\n]*\n[^\n]*fix: the server refused the key \(401\/403\): the key is the config's models\.providers\.hosted\.apiKey/);
    assert.match(status.stdout, /failed recently \(rate-limit\): skipped until [^\n]*\n[^\n]*fix: the server limits requests \(429, asking to wait 30 s/);
    assert.match(status.stdout, /failed recently \(auth\): skipped by the gateway's turns until [^\n]*\n[^\n]*fix: the server refused this model for its key/);
    assert.doesNotMatch(status.stdout + status.stderr, /0123456789abcdef|stalled/);

    // The key works again: a request naming the model tries it whatever its cooldown; its success ends the cooldown in the file too.
    keyRefused = false;
    const named = await client.chat.completions.create({ model: "hosted/big", messages: [{ role: "user", content: "again" }] });
    assert.equal(named.choices[0]?.message.content, "fine");
    const after = JSON.parse((await runCli(["doctor", "--json", "--config", file], { env })).stdout) as { findings: Finding[] };
    const cooling = after.findings.filter((finding) => finding.id === "cooldown-active").map((finding) => finding.title.split(" ")[0]);
    assert.deepEqual(cooling.sort(), ["metered/locked", "metered/small"]);
  } finally {
    await gateway.stop();
    await hosted.close();
    await spare.close();
  }
});

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { usageReport } from "../../src/ops/usage.js";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

// A successful answer's `usage` is the answering call's own (an OpenAI client compares it with the
// model's), but what an earlier attempt spent before it broke is not lost: each such attempt carries
// its tokens in `x-hearth-attempts` / `metadata.hearth_attempts`, and agent mode's session record keeps
// them on the attempt — the total spent is the usage plus those.

/** 400 characters: about 100 tokens by hearth's estimate (four characters a token). */
const LONG = "The first part of a long answer, which the server will not finish. ".repeat(6).slice(0, 400);

interface HeaderAttempt {
  model: string;
  outcome: string;
  ms: number;
  tokens?: { input: number; output: number };
}

describe("OpenAI-compatible API: what a broken attempt spent before a fallback answered", () => {
  let opened: ApiSetup | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  /** local/m1 reasons for ~100 tokens and drops the connection (no text went out, so the chain moves on); backup/m2 answers, counting 50 in / 7 out. */
  const brokenThenAnswered = async (): Promise<ApiSetup> => {
    await opened?.close();
    opened = await apiSetup();
    opened.local.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    opened.backup.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: responsesStream({ text: "The answer.", usage: { input: 50, output: 7 } }) } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    return opened;
  };

  const checkAttempts = (attempts: HeaderAttempt[], label: string): void => {
    assert.deepEqual(attempts.map(({ model, outcome }) => [model, outcome]), [["local/m1", "stream-broken"], ["backup/m2", "ok"]], label);
    const broken = attempts[0]?.tokens;
    assert.ok(broken && broken.input > 0 && broken.output >= 100, `${label}: the broken call's prompt and its ~100 tokens of reasoning: ${JSON.stringify(attempts)}`);
    assert.equal(attempts[1]?.tokens, undefined, `${label}: the answering call's tokens are the usage`);
  };

  test("chat completions, proxy and agent mode: usage is the answering call's own; x-hearth-attempts carries the broken call's tokens", async () => {
    for (const model of ["Local", "hearth"]) {
      const api = await brokenThenAnswered();
      const { data, response } = await api.client.chat.completions.create({ model, messages: [{ role: "user", content: "Tell me" }] }, { headers: { "x-hearth-session": "spent" } }).withResponse();
      assert.equal(data.choices[0]?.message.content, "The answer.", model);
      assert.deepEqual([data.usage?.prompt_tokens, data.usage?.completion_tokens], [50, 7], `${model}: the answering call's usage, as its server counted it`);
      checkAttempts(JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as HeaderAttempt[], model);
    }
  });

  test("responses: metadata.hearth_attempts carries them too; agent mode's session record keeps them on the attempt", async () => {
    for (const model of ["Local", "hearth"]) {
      const api = await brokenThenAnswered();
      const { data, response } = await api.client.responses.create({ model, input: "Tell me" }, { headers: { "x-hearth-session": "spent" } }).withResponse();
      assert.deepEqual([data.usage?.input_tokens, data.usage?.output_tokens], [50, 7], model);
      checkAttempts(JSON.parse(String(data.metadata?.hearth_attempts)) as HeaderAttempt[], `${model} metadata`);
      checkAttempts(JSON.parse(response.headers.get("x-hearth-attempts") ?? "[]") as HeaderAttempt[], `${model} header`);
      if (model !== "hearth") {
        // Proxy mode's record (`hearth usage` reads it) keeps them on the attempt too: written a second after the answer.
        const file = join(api.gateway.stateDir, "usage", "proxy.jsonl");
        while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
        const ledger = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { attempts: { usage?: { input: number; output: number } }[] });
        const logged = ledger.at(-1)?.attempts[0]?.usage;
        assert.ok(logged && logged.input > 0 && logged.output >= 100, `the proxy ledger keeps what the broken call spent: ${JSON.stringify(ledger.at(-1))}`);
        continue;
      }
      const entries = (await api.gateway.store.read("spent")).entries;
      const reply = entries.find((entry) => entry.type === "assistant");
      assert.ok(reply?.type === "assistant");
      assert.deepEqual([reply.message.usage.input, reply.message.usage.output], [50, 7], "the reply's own usage");
      const kept = reply.attempts[0]?.usage;
      assert.ok(kept && kept.input > 0 && kept.output >= 100, `the record keeps what the broken call spent: ${JSON.stringify(reply.attempts)}`);
    }
  });

  test("proxy mode, no model answering: the request's calls are in the ledger all the same, and hearth usage counts them with what they spent", { timeout: 30_000 }, async () => {
    await opened?.close();
    const api = await apiSetup();
    opened = api;
    // Both break after ~100 tokens of reasoning: the client gets an error, and both calls spent.
    api.local.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: completionsStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 2), after: "reset" } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    api.backup.setHandler((request) => (request.method === "POST" ? { kind: "sse", frames: responsesStream({ reasoning: LONG, text: "never sent", chunkSize: 400 }).slice(0, 3), after: "reset" } : { kind: "json", status: 404, body: { error: { message: "not here" } } }));
    await assert.rejects(api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "Tell me" }] }), (error: Error & { status?: number }) => error.status === 502);
    const file = join(api.gateway.stateDir, "usage", "proxy.jsonl");
    while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
    const ledger = readFileSync(file, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { failed?: boolean; attempts: { model: string; outcome: string }[] });
    assert.equal(ledger.length, 1, JSON.stringify(ledger));
    assert.equal(ledger[0]?.failed, true);
    assert.deepEqual(ledger[0]?.attempts.map(({ model, outcome }) => [model, outcome]), [["local/m1", "stream-broken"], ["backup/m2", "stream-broken"]]);
    assert.doesNotMatch(JSON.stringify(ledger), /Tell me|first part of a long answer/, "never the words");
    const report = await usageReport({ stateDir: api.gateway.stateDir, by: "model", isLocal: (ref) => ref.startsWith("local/") });
    const rows = Object.fromEntries(report.rows.map((row) => [row.key, row]));
    for (const model of ["local/m1", "backup/m2"]) {
      assert.equal(rows[model]?.calls, 1, `${model}: ${JSON.stringify(report.rows)}`);
      assert.deepEqual(rows[model]?.failed, { "stream-broken": 1 });
    }
    assert.ok((rows["local/m1"]?.output ?? 0) >= 100, `local/m1's ~100 tokens of reasoning counted: ${JSON.stringify(rows["local/m1"])}`);
  });
});

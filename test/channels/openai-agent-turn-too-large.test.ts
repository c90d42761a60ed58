// An agent turn too large for a candidate's window (t7-agent #2): a ~1 MB message, a small primary (8k) and
// a roomy fallback. The primary is skipped with an attempt saying why — never sent the turn, nor asked for a
// summary of the history — whether its window is the configured one or the one its server loaded it with.
// Through the gateway, fake model servers on 127.0.0.1, the official `openai` SDK as the client.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { startFakeServer, type FakeServer, type Handler, type Reply } from "../fakes/fake-server.js";
import { lmStudioHandler } from "../fakes/lmstudio-server.js";
import { openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";
import { testGateway, type TestGateway } from "../helpers/test-gateway.js";

const HUGE = "word ".repeat(200_000); // 1 MB of text: about 250,000 tokens
const down = (): Reply => ({ kind: "json", status: 503, body: { error: { message: "down" } } });
const answers = (api: "openai-completions" | "openai-responses", who: string): Handler => scriptedModel(api, (turns) => ({ text: `${who}: ${lastUser(turns).length} characters` }));
type AssistantEntry = Extract<SessionEntry, { type: "assistant" }>;
const posts = (server: FakeServer): number => server.requests.filter((request) => request.method === "POST").length;
const attemptsOf = (header: string | null): string[] => (JSON.parse(header ?? "[]") as { model: string; outcome: string }[]).map((attempt) => `${attempt.model} ${attempt.outcome}`);

interface Setup {
  local: FakeServer;
  backup: FakeServer;
  gateway: TestGateway;
  client: OpenAI;
  close(): Promise<void>;
}

/** `local/m1` (chat completions, `localWindow` tokens configured) first, then `backup/m2` (Responses, 400,000 tokens). */
async function setup(options: { local: Handler; backup: Handler; localWindow: number; localExtras?: string }): Promise<Setup> {
  const local = await startFakeServer(options.local);
  const backup = await startFakeServer(options.backup);
  const gateway = await testGateway(`{
    agents: { defaults: { model: { primary: "local/m1", fallbacks: ["backup/m2"] } } },
    models: { mode: "replace", providers: {
      local: { baseUrl: "${local.baseUrl}", api: "openai-completions", ${options.localExtras ?? ""} models: [{ id: "m1", contextWindow: ${options.localWindow}, maxTokens: 1000 }] },
      backup: { baseUrl: "${backup.baseUrl}", api: "openai-responses", models: [{ id: "m2", contextWindow: 400000, maxTokens: 1000 }] },
    } },
  }`);
  const { client, close } = await openAiOverGateway(gateway, [local, backup]);
  return { local, backup, gateway, client, close };
}

const SKIPPED_8K = /^local\/m1 has 8,192 tokens of context \(its contextWindow\), and this turn alone takes about [\d,]+ tokens \(the system prompt about [\d,]+ tokens, the tools [\d,]+ and its messages [\d,]+\) — no summary or trim of earlier turns makes it smaller — more than the [\d,]+ its prompt may use beside the reply \([\d,]+\) and the reserve \([\d,]+\): not sent to it$/;

describe("agent mode: a turn too large for a candidate's window is not sent to it, and the attempt says why", () => {
  let opened: Setup | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  test("a 1 MB message, an 8k primary (its configured window) with history, a roomy fallback: the primary is skipped, asked for nothing; the fallback answers — whole and streamed", async () => {
    const api = (opened = await setup({ local: answers("openai-completions", "local"), backup: answers("openai-responses", "backup"), localWindow: 8192 }));
    for (const stream of [false, true]) {
      const session = { headers: { "x-hearth-session": `huge-${String(stream)}` } };
      // Earlier turns, answered by the primary: a history a summary could be asked of.
      for (const said of ["first", "second"]) await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: said }] }, session);
      const before = posts(api.local);
      if (stream) {
        const answer = await api.client.responses.stream({ model: "hearth", input: HUGE }, session).finalResponse();
        assert.equal(answer.model, "backup/m2");
        assert.deepEqual(attemptsOf(answer.metadata?.hearth_attempts ?? null), ["local/m1 skipped-context", "backup/m2 ok"]);
        assert.match(answer.metadata?.hearth_notice ?? "", /^answered by backup\/m2 — local\/m1 \(local server\) context too small/);
      } else {
        const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: HUGE }] }, session).withResponse();
        assert.equal(data.model, "backup/m2");
        assert.equal(data.choices[0]?.message.content, `backup: ${HUGE.length} characters`);
        assert.deepEqual(attemptsOf(response.headers.get("x-hearth-attempts")), ["local/m1 skipped-context", "backup/m2 ok"]);
        assert.match(decodeURIComponent(response.headers.get("x-hearth-notice") ?? ""), /^answered by backup\/m2 — local\/m1 \(local server\) context too small/);
      }
      assert.equal(posts(api.local), before, "the primary was sent neither the turn nor a summary request");
      const answered = (await api.gateway.store.read(session.headers["x-hearth-session"])).entries.filter((entry): entry is AssistantEntry => entry.type === "assistant").at(-1);
      assert.equal(answered?.attempts[0]?.outcome, "skipped-context");
      assert.match(answered?.attempts[0]?.message ?? "", SKIPPED_8K);
    }
  });

  test("the same turn with the fallback down: a 503 whose attempts say why the primary was skipped; nothing was sent to it; the session's words (what the page and `sessions show` say) say why too", async () => {
    const api = (opened = await setup({ local: answers("openai-completions", "local"), backup: down, localWindow: 8192 }));
    const session = { headers: { "x-hearth-session": "huge-down" } };
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: HUGE }] }, session), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 503);
      const body = error.error as { message: string; attempts: { model: string; outcome: string; cause?: string }[] };
      assert.deepEqual(body.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m1 skipped-context", "backup/m2 overloaded"]);
      assert.match(body.attempts[0]?.cause ?? "", SKIPPED_8K);
      assert.match(body.message, /^no model could answer: local\/m1: skipped-context — local\/m1 has 8,192 tokens of context .*; backup\/m2: overloaded — POST \/v1\/responses answered 503: down$/);
      return true;
    });
    assert.equal(posts(api.local), 0);
    // The page and `sessions show` have only the turn's own words (no attempt list): the skip's reason is in them.
    const failed = (await api.gateway.store.read("huge-down")).entries.find((entry) => entry.type === "turn-failed");
    assert.ok(failed?.type === "turn-failed", "the turn's failure is in the session");
    assert.match(failed.error, /^no model could answer \(local\/m1: skipped-context — local\/m1 has 8,192 tokens of context \(its contextWindow\), and this turn alone takes about [\d,]+ tokens .*: not sent to it; backup\/m2: overloaded\)/);
  });

  test("a primary whose server refuses the turn as too long, naming a window that cannot hold the turn itself: neither asked for a summary nor sent the turn again; the fallback answers", async () => {
    const message = "word ".repeat(8_000); // about 10,000 tokens: within the configured 32,000, not within the 4,096 llama.cpp names
    const overflow: Reply = { kind: "json", status: 400, body: { error: { code: 400, message: "request (10290 tokens) exceeds the available context size (4096 tokens), try increasing it", type: "exceed_context_size_error", n_prompt_tokens: 10290, n_ctx: 4096 } } };
    const small = answers("openai-completions", "local");
    const api = (opened = await setup({ local: (request) => (request.method === "POST" && JSON.stringify(request.body).includes(message) ? overflow : small(request)), backup: answers("openai-responses", "backup"), localWindow: 32000 }));
    const session = { headers: { "x-hearth-session": "refused" } };
    for (const said of ["first", "second"]) await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: said }] }, session);
    const before = posts(api.local);
    const { data, response } = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: message }] }, session).withResponse();
    assert.equal(data.model, "backup/m2");
    assert.deepEqual(attemptsOf(response.headers.get("x-hearth-attempts")), ["local/m1 context-overflow", "backup/m2 ok"]);
    assert.equal(posts(api.local), before + 1, "the turn once, refused; no summary request, no second try");
  });

  test("a model loaded on request with a smaller context than configured (LM Studio's 4,096), gone back to once the fallback failed: skipped for that window, not sent the turn again", async () => {
    const message = "word ".repeat(8_000); // about 10,000 tokens: within the configured 32,000, not within 4,096
    const lmStudio = lmStudioHandler({ models: [{ id: "m1", loaded: false, maxContextLength: 32000 }], completions: answers("openai-completions", "local") });
    const api = (opened = await setup({ local: lmStudio, backup: down, localWindow: 32000, localExtras: 'onColdLoad: "fallback",' }));
    await assert.rejects(api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: message }] }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.equal(error.status, 503);
      const body = error.error as { attempts: { model: string; outcome: string; cause?: string }[] };
      assert.deepEqual(body.attempts.map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m1 cold-loading", "backup/m2 overloaded", "local/m1 skipped-context"]);
      assert.match(body.attempts[2]?.cause ?? "", /^the server runs local\/m1 with 4,096 tokens of context \(contextWindow says 32,000\), and this turn alone takes about [\d,]+ tokens .*: not sent to it$/);
      return true;
    });
    // The turn went out once, while the configured window was all there was to know (the server was loading it then); the warm-up is one token.
    const turns = api.local.requests.filter((request) => request.method === "POST" && JSON.stringify(request.body).includes(message));
    assert.equal(turns.length, 1);
  });
});

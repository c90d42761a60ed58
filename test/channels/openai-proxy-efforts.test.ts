// A client's reasoning effort (Chat Completions `reasoning_effort`, Responses `reasoning.effort`) reaches
// each API in its own form, every level — none, minimal, low, medium, high, xhigh, max — and where the
// level cannot go as asked the reply says what went and why. t7: Ollama was sent `think: true` for every
// level, and a Claude asked "minimal" thought on a 2,048-token budget. Through the real HTTP API with the
// official SDK, against fakes on 127.0.0.1 that record what each upstream received and refuse as the
// real servers do (OpenAI's "does not support 'minimal' with this model"; Ollama before 0.12: `think value
// "high" is not supported for this model` for any model but gpt-oss, server.go's ChatHandler).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import OpenAI from "openai";
import { anthropicStream } from "../fakes/anthropic-messages-stream.js";
import type { FakeServer, Handler, RecordedRequest } from "../fakes/fake-server.js";
import { ollamaStream } from "../fakes/ollama-chat-stream.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { fourUpstreams, openAiOverGateway } from "../helpers/openai-over-gateway.js";
import { testGateway } from "../helpers/test-gateway.js";
import { lastBody } from "./openai-setup.js";

type Level = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";
const LEVELS: Level[] = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
const hi: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];

/** The calls a server got (not Ollama's /api/show), refused ones too. */
const bodies = (server: FakeServer): Record<string, unknown>[] => server.requests.filter((request) => request.method === "POST" && request.path !== "/api/show").map((request) => request.body as Record<string, unknown>);
const noticeOf = (response: Response): string => decodeURIComponent(response.headers.get("x-hearth-notice") ?? "");
const refusal = (message: string, param: string): ReturnType<Handler> => ({ kind: "json", status: 400, body: { error: { message, type: "invalid_request_error", param, code: "unsupported_value" } } });

/** OpenAI's refusal of an effort a model does not take (GPT-5.x: "minimal"; the o-series: "none", "minimal", "xhigh"). */
function openAiRefuses(taken: readonly string[], read: (request: RecordedRequest) => unknown, answer: () => ReturnType<Handler>): Handler {
  return (request) => {
    const effort = read(request);
    if (typeof effort !== "string" || taken.includes(effort)) return answer();
    const param = read === completionsEffort ? "reasoning_effort" : "reasoning.effort";
    return refusal(`Unsupported value: '${param}' does not support '${effort}' with this model. Supported values are: ${taken.map((value) => `'${value}'`).join(", ")}.`, param);
  };
}
const completionsEffort = (request: RecordedRequest): unknown => (request.body as Record<string, unknown>).reasoning_effort;
const responsesEffort = (request: RecordedRequest): unknown => ((request.body as { reasoning?: { effort?: unknown } }).reasoning ?? {}).effort;

/** Ollama's /api/chat: a think level for a model but gpt-oss is a 400, as before 0.12. */
const ollama: Handler = (request) => {
  if (request.path !== "/api/chat") return { kind: "json", status: 404, body: { error: "not found" } };
  const body = request.body as { model: string; think?: unknown };
  if (typeof body.think === "string" && !body.model.startsWith("gpt-oss")) return { kind: "json", status: 400, body: { error: `think value "${body.think}" is not supported for this model` } };
  return ollamaStream({ thinking: "Hm.", text: "from ollama", usage: { input: 3, output: 2 } });
};

describe("proxy mode: each reasoning effort in each API's own form, said where it could not go as asked", () => {
  let servers: Record<"completions" | "responses" | "anthropic" | "ollama", FakeServer>;
  let client: OpenAI;
  let close: () => Promise<void>;
  before(async () => {
    servers = await fourUpstreams({
      completions: () => ({ kind: "sse", frames: completionsStream({ text: "from completions" }) }),
      responses: () => ({ kind: "sse", frames: responsesStream({ text: "from responses" }) }),
      anthropic: () => ({ kind: "sse", frames: anthropicStream({ thinking: "Hm.", text: "from anthropic" }) }),
      ollama,
    });
    const gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "llama/l" } } },
      models: { mode: "replace", providers: {
        llama: { baseUrl: "${servers.completions.baseUrl}", api: "openai-completions", models: [{ id: "l", contextWindow: 32000, maxTokens: 1000, reasoning: true }, { id: "strict", contextWindow: 32000, maxTokens: 1000, reasoning: true }, { id: "v1", contextWindow: 32000, maxTokens: 1000, reasoning: true }] },
        resp: { baseUrl: "${servers.responses.baseUrl}", api: "openai-responses", models: [{ id: "r", contextWindow: 32000, maxTokens: 1000, reasoning: true }] },
        claude: { baseUrl: "${servers.anthropic.url}", api: "anthropic-messages", apiKey: "test-anthropic-key", models: [
          { id: "claude-sonnet-4-5", contextWindow: 200000, maxTokens: 64000, reasoning: true },
          { id: "claude-opus-4-6", contextWindow: 200000, maxTokens: 64000, reasoning: true },
          { id: "claude-opus-4-7", contextWindow: 200000, maxTokens: 64000, reasoning: true },
        ] },
        olla: { baseUrl: "${servers.ollama.url}", api: "ollama", models: [{ id: "gpt-oss:20b", contextWindow: 32000, maxTokens: 1000, reasoning: true }, { id: "qwen3:8b", contextWindow: 32000, maxTokens: 1000, reasoning: true }] },
      } },
    }`);
    ({ client, close } = await openAiOverGateway(gateway, Object.values(servers)));
  });
  after(() => close());
  beforeEach(() => {
    for (const server of Object.values(servers)) server.requests.length = 0;
  });

  const ask = (model: string, level: Level, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) =>
    client.chat.completions.create({ model, messages: hi, reasoning_effort: level as OpenAI.ReasoningEffort, ...extra }).withResponse();

  test("Chat Completions upstream: every level as the client wrote it; a level the server refuses goes again as the nearest it names, for good, and the reply says so", async () => {
    for (const level of LEVELS) {
      const { response } = await ask("llama/l", level);
      assert.equal(lastBody(servers.completions).reasoning_effort, level);
      assert.equal(noticeOf(response), "", level);
    }
    servers.completions.setHandler(openAiRefuses(["none", "low", "medium", "high", "xhigh"], completionsEffort, () => ({ kind: "sse", frames: completionsStream({ text: "from completions" }) })));
    servers.completions.requests.length = 0;
    try {
      const { data, response } = await ask("llama/strict", "minimal");
      assert.equal(data.choices[0]?.message.content, "from completions");
      assert.deepEqual(bodies(servers.completions).map((body) => body.reasoning_effort), ["minimal", "low"], "refused, then the nearest that still reasons");
      assert.equal(noticeOf(response), `reasoning minimal asked, reasoning_effort "low" sent to llama/strict: the server refused "minimal" (it takes none, low, medium, high, xhigh)`);
      servers.completions.requests.length = 0;
      await ask("llama/strict", "max");
      await ask("llama/strict", "none");
      assert.deepEqual(bodies(servers.completions).map((body) => body.reasoning_effort), ["xhigh", "none"], "learned: no refusal sent again, and levels it takes go as asked");
    } finally {
      servers.completions.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "from completions" }) }));
    }
  });

  test("Ollama's OpenAI-compatible /v1, whose model takes no think level: the effort is left out at once (learned), and the reply says so", async () => {
    // Ollama's /v1 makes reasoning_effort its think level; for a model without levels (before 0.12): this 400 (ollama/ollama#12561).
    servers.completions.setHandler((request) =>
      completionsEffort(request) === undefined
        ? { kind: "sse", frames: completionsStream({ reasoning: "Hm.", text: "from ollama's v1" }) }
        : { kind: "json", status: 400, body: { error: { message: `think value "${String(completionsEffort(request))}" is not supported for this model`, type: "api_error", param: null, code: null } } },
    );
    servers.completions.requests.length = 0;
    try {
      const { data, response } = await ask("llama/v1", "high");
      assert.equal(data.choices[0]?.message.content, "from ollama's v1");
      assert.deepEqual(bodies(servers.completions).map((body) => body.reasoning_effort), ["high", undefined]);
      assert.equal(noticeOf(response), "reasoning high asked, no reasoning_effort sent to llama/v1: the server refused a reasoning effort for this model, so it reasons as it does by default");
      await ask("llama/v1", "low");
      assert.deepEqual(bodies(servers.completions).map((body) => body.reasoning_effort), ["high", undefined, undefined], "learned: sent without at once");
    } finally {
      servers.completions.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "from completions" }) }));
    }
  });

  test("Responses upstream: reasoning.effort likewise, from either endpoint; a refusal that names no values leaves low, medium and high", async () => {
    for (const level of LEVELS) {
      await ask("resp/r", level);
      assert.deepEqual(lastBody(servers.responses).reasoning, { effort: level, summary: "auto" });
    }
    await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "xhigh" } });
    assert.deepEqual(lastBody(servers.responses).reasoning, { effort: "xhigh", summary: "auto" });
    servers.responses.setHandler((request) => (responsesEffort(request) === "max" ? refusal("Unsupported value: 'reasoning.effort' does not support 'max' with this model.", "reasoning.effort") : { kind: "sse", frames: responsesStream({ text: "from responses" }) }));
    servers.responses.requests.length = 0;
    try {
      const reply = await client.responses.create({ model: "resp/r", input: "Hi", reasoning: { effort: "max" } });
      assert.equal(reply.output_text, "from responses");
      assert.deepEqual(bodies(servers.responses).map((body) => (body.reasoning as { effort: string }).effort), ["max", "high"]);
      assert.match(String((reply.metadata as Record<string, string>).hearth_notice), /^reasoning max asked, reasoning\.effort "high" sent to resp\/r: the server refused "max" \(it takes low, medium, high\)$/);
    } finally {
      servers.responses.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "from responses" }) }));
    }
  });

  test("Ollama: gpt-oss gets think levels (minimal as low, xhigh and max as high, none as its least: it cannot stop), said where not the level", async () => {
    const expected: Record<Level, { think: unknown; notice: string }> = {
      none: { think: "low", notice: `reasoning none asked, think "low" sent to olla/gpt-oss:20b: Ollama cannot stop gpt-oss reasoning (it ignores think false), and low is its least` },
      minimal: { think: "low", notice: `reasoning minimal asked, think "low" sent to olla/gpt-oss:20b: Ollama's levels are low, medium and high` },
      low: { think: "low", notice: "" },
      medium: { think: "medium", notice: "" },
      high: { think: "high", notice: "" },
      xhigh: { think: "high", notice: `reasoning xhigh asked, think "high" sent to olla/gpt-oss:20b: Ollama's levels are low, medium and high` },
      max: { think: "high", notice: `reasoning max asked, think "high" sent to olla/gpt-oss:20b: Ollama's levels are low, medium and high` },
    };
    for (const level of LEVELS) {
      const { data, response } = await ask("olla/gpt-oss:20b", level);
      assert.equal(data.choices[0]?.message.content, "from ollama", level);
      assert.deepEqual({ think: lastBody(servers.ollama).think, notice: noticeOf(response) }, expected[level], level);
    }
    await client.responses.create({ model: "olla/gpt-oss:20b", input: "Hi", reasoning: { effort: "medium" } });
    assert.equal(lastBody(servers.ollama).think, "medium");
    await client.chat.completions.create({ model: "olla/gpt-oss:20b", messages: hi });
    assert.equal(lastBody(servers.ollama).think, true, "no level asked: thinking on, the server's own level");
  });

  test("Ollama: a model whose server refuses a think level gets think true at once (learned from the 400, never sent a level again), and the reply says so", async () => {
    const { data, response } = await ask("olla/qwen3:8b", "high");
    assert.equal(data.choices[0]?.message.content, "from ollama");
    assert.equal((data.choices[0]?.message as { reasoning_content?: string } | undefined)?.reasoning_content, "Hm.", "the reasoning comes apart from the text");
    assert.deepEqual(bodies(servers.ollama).map((body) => body.think), ["high", true], "refused, then thinking on without a level");
    assert.equal(noticeOf(response), "reasoning high asked, think true sent to olla/qwen3:8b: its Ollama refused a think level for this model, so it takes thinking on or off only");
    servers.ollama.requests.length = 0;
    await ask("olla/qwen3:8b", "low");
    await ask("olla/qwen3:8b", "none");
    assert.deepEqual(bodies(servers.ollama).map((body) => body.think), [true, false], "learned for the model: no level sent again; none is thinking off");
  });

  test("Claude before Opus 4.6: a thinking budget per level, minimal the smallest Anthropic takes (1,024), max all the reply limit leaves, none no thinking", async () => {
    const budgets: Record<Level, number | undefined> = { none: undefined, minimal: 1024, low: 2048, medium: 8192, high: 24576, xhigh: 49152, max: 62976 };
    for (const level of LEVELS) {
      const { response } = await ask("claude/claude-sonnet-4-5", level);
      const sent = lastBody(servers.anthropic);
      assert.deepEqual(sent.thinking, budgets[level] === undefined ? undefined : { type: "enabled", budget_tokens: budgets[level] }, level);
      assert.equal(sent.max_tokens, 64000);
      assert.equal(noticeOf(response), "", level);
    }
    // Anthropic's rules: budget_tokens >= 1024 and below max_tokens; hearth keeps 1,024 tokens of the limit for the answer.
    const capped = await ask("claude/claude-sonnet-4-5", "high", { max_completion_tokens: 5000 });
    assert.deepEqual(lastBody(servers.anthropic).thinking, { type: "enabled", budget_tokens: 3976 });
    assert.equal(noticeOf(capped.response), "reasoning high asked, thinking.budget_tokens 3976 sent to claude/claude-sonnet-4-5: high's budget is 24,576 tokens, and a reply limit of 5,000 keeps 1,024 of them for the answer");
    const floor = await ask("claude/claude-sonnet-4-5", "minimal", { max_completion_tokens: 1026 });
    assert.deepEqual(lastBody(servers.anthropic).thinking, { type: "enabled", budget_tokens: 1024 }, "the floor, still below max_tokens");
    assert.equal(noticeOf(floor.response), "");
    const none = await ask("claude/claude-sonnet-4-5", "low", { max_completion_tokens: 1025 });
    assert.equal(lastBody(servers.anthropic).thinking, undefined);
    assert.equal(noticeOf(none.response), "reasoning low asked, no thinking sent to claude/claude-sonnet-4-5: a reply limit of 1,025 tokens leaves no room for Anthropic's smallest thinking budget (1,024 tokens, below the limit)");
  });

  test("Opus 4.6 and 4.7: adaptive thinking at an effort (4.7 takes no budget); minimal is Claude's low, xhigh Opus 4.7's own", async () => {
    const efforts: Record<string, Record<Level, string | undefined>> = {
      "claude-opus-4-6": { none: undefined, minimal: "low", low: "low", medium: "medium", high: "high", xhigh: "high", max: "max" },
      "claude-opus-4-7": { none: undefined, minimal: "low", low: "low", medium: "medium", high: "high", xhigh: "xhigh", max: "max" },
    };
    for (const [id, byLevel] of Object.entries(efforts)) {
      for (const level of LEVELS) {
        const { response } = await ask(`claude/${id}`, level, { max_completion_tokens: 1000 });
        const sent = lastBody(servers.anthropic);
        const effort = byLevel[level];
        assert.deepEqual({ thinking: sent.thinking, output_config: sent.output_config }, effort === undefined ? { thinking: undefined, output_config: undefined } : { thinking: { type: "adaptive" }, output_config: { effort } }, `${id} ${level}`);
        const notice = noticeOf(response);
        if (level === "minimal") assert.equal(notice, `reasoning minimal asked, output_config.effort "low" sent to claude/${id}: Claude's least effort is low (it may then skip thinking on an easy question)`);
        else if (level === "xhigh" && id === "claude-opus-4-6") assert.equal(notice, `reasoning xhigh asked, output_config.effort "high" sent to claude/${id}: Claude takes xhigh from Opus 4.7 on`);
        else assert.equal(notice, "", `${id} ${level}`);
      }
    }
  });

  test("a level hearth does not know is a 400 naming the field, before any call", async () => {
    for (const model of ["llama/l", "olla/gpt-oss:20b", "claude/claude-sonnet-4-5"]) {
      const error = await client.chat.completions.create({ model, messages: hi, reasoning_effort: "extreme" as OpenAI.ReasoningEffort }).then(
        () => assert.fail("an unknown level was accepted"),
        (failure: unknown) => failure,
      );
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.equal(error.param, "reasoning_effort");
      assert.match(error.message, /expected one of "none", "minimal", "low", "medium", "high", "xhigh", "max", got the string "extreme"/);
    }
    assert.equal(Object.values(servers).reduce((count, server) => count + server.requests.length, 0), 0);
  });
});

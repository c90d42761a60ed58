// test/fakes/llamacpp-server.ts checked against the real llama-server: the same Responses input items
// accepted or refused with the same words, and the same shapes of /props, /v1/models and the
// context-size error.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { classifyHttpFailure } from "../../src/ai/classify-failure.js";
import { listedModelIds, singleModelServed } from "../../src/ai/model-listing.js";
import { llamaCppHandler, llamaCppOverflow, responsesInputProblem } from "../fakes/llamacpp-server.js";
import { startRealServer, type RealServer } from "./real-server.js";

const post = async (url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const keys = (value: unknown): string[] => Object.keys((value ?? {}) as object).sort();

describe("the fake llama-server against the real one", () => {
  let server: RealServer;
  before(async () => {
    server = await startRealServer({ ctx: 1024 });
  });
  after(async () => {
    await server.kill();
  });

  const items: [string, unknown[]][] = [
    ["untyped assistant text", [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }, { role: "user", content: "more" }]],
    ["typed assistant text", [{ type: "message", role: "user", content: "hi" }, { type: "message", role: "assistant", content: "hello" }, { type: "message", role: "user", content: "more" }]],
    ["assistant output_text parts", [{ role: "user", content: "hi" }, { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello", annotations: [] }] }]],
    ["user input_text parts", [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]],
    ["user parts of a wrong type", [{ type: "message", role: "user", content: [{ type: "text", text: "hi" }] }]],
    ["function call and output", [{ role: "user", content: "time?" }, { type: "function_call", call_id: "c1", name: "time", arguments: "{}" }, { type: "function_call_output", call_id: "c1", output: "12:00" }]],
    ["function call without arguments", [{ role: "user", content: "time?" }, { type: "function_call", call_id: "c1", name: "time" }]],
    ["reasoning without content", [{ role: "user", content: "hi" }, { type: "reasoning", id: "rs_1", summary: [] }]],
    ["reasoning with content", [{ role: "user", content: "hi" }, { type: "reasoning", id: "rs_1", summary: [], content: [{ type: "reasoning_text", text: "hm" }] }]],
  ];
  for (const [what, input] of items) {
    test(`Responses input, ${what}: accepted or refused alike`, async () => {
      const real = await post(`${server.baseUrl}/responses`, { model: server.alias, input, max_output_tokens: 1 });
      const problem = responsesInputProblem({ input });
      if (problem === undefined) assert.equal(real.status, 200, JSON.stringify(real.body));
      else {
        assert.equal(real.status, 400);
        assert.equal((real.body.error as { message?: string }).message, problem);
      }
    });
  }

  test("the context-size error: same status, fields and wording", async () => {
    const real = await post(`${server.baseUrl}/chat/completions`, { model: server.alias, max_tokens: 1, messages: [{ role: "user", content: "the cat sat. ".repeat(400) }] });
    const error = real.body.error as { n_prompt_tokens: number; n_ctx: number; message: string };
    const fake = llamaCppOverflow(error.n_prompt_tokens, error.n_ctx);
    assert.equal(fake.kind, "json");
    if (fake.kind !== "json") return;
    assert.equal(real.status, fake.status);
    assert.deepEqual(real.body, fake.body);
  });

  test("/props and /v1/models: the fields hearth reads are where the fake puts them", async () => {
    const fake = llamaCppHandler({ alias: server.alias, nCtx: 1024 });
    const read = async (path: string) => {
      const answer = await fake({ method: "GET", path, headers: {}, body: "" });
      return answer.kind === "json" ? (answer.body as Record<string, unknown>) : {};
    };
    const realProps = (await (await fetch(`${server.url}/props`)).json()) as Record<string, unknown>;
    const fakeProps = await read("/props");
    assert.deepEqual(keys(fakeProps).filter((key) => !keys(realProps).includes(key)), [], "no field the real server lacks");
    assert.deepEqual(fakeProps.chat_template_caps, realProps.chat_template_caps, "a model without a chat template (ChatML): no tools");
    assert.equal((realProps.default_generation_settings as { n_ctx: number }).n_ctx, (fakeProps.default_generation_settings as { n_ctx: number }).n_ctx);
    const realModels = (await (await fetch(`${server.baseUrl}/models`)).json()) as { data: { id: string; meta: Record<string, unknown> }[] };
    const fakeModels = (await read("/v1/models")) as { data: { id: string; meta: Record<string, unknown> }[] };
    assert.equal(realModels.data[0]?.id, fakeModels.data[0]?.id);
    assert.deepEqual(keys(realModels.data[0]?.meta), keys(fakeModels.data[0]?.meta));
    assert.equal(realModels.data[0]?.meta.n_ctx, fakeModels.data[0]?.meta.n_ctx);
    // A server run with -m answers any id with its one model: hearth knows it by the listing's shape, the same in both.
    assert.equal(singleModelServed(realModels), server.alias);
    assert.equal(singleModelServed(fakeModels), server.alias);
    assert.equal(typeof realModels.data[0]?.meta.n_params, "number", "the parameter count the audit reads");
    assert.ok(listedModelIds(realModels)?.has(server.alias), "the listing hearth reads has the alias");
  });

  test("a path it lacks: the fake's 404 body, judged a missing endpoint (the baseUrl or api), not a missing model", async () => {
    const fake = llamaCppHandler({ alias: server.alias });
    for (const [method, path] of [
      ["GET", "/api/tags"],
      ["POST", "/v1/chat/completions/chat/completions"],
    ] as const) {
      const real = await fetch(`${server.url}${path}`, { method, headers: { "content-type": "application/json" }, ...(method === "POST" ? { body: JSON.stringify({ model: server.alias, messages: [{ role: "user", content: "hi" }] }) } : {}) });
      const text = await real.text();
      const answer = await fake({ method, path, headers: {}, body: "" });
      assert.equal(answer.kind, "json");
      if (answer.kind !== "json") return;
      assert.equal(real.status, answer.status ?? 200, `${method} ${path}`);
      assert.deepEqual(JSON.parse(text), answer.body, `${method} ${path}`);
      assert.equal(classifyHttpFailure(real.status, text, {}, `${method} ${path}`).kind, "no-endpoint", text);
    }
  });

  test("/tokenize: the same shape, a token id per token (hearth counts them for the tokenizer's ratio)", async () => {
    const content = "The quick brown fox jumps over the lazy dog. ".repeat(8);
    const real = await post(`${server.url}/tokenize`, { content });
    const answer = await llamaCppHandler({ alias: server.alias, tokenize: () => (real.body.tokens as unknown[]).length })({ method: "POST", path: "/tokenize", headers: {}, body: { content } });
    assert.equal(real.status, 200);
    assert.equal(answer.kind, "json");
    if (answer.kind !== "json") return;
    assert.deepEqual(keys(real.body), keys(answer.body));
    const tokens = real.body.tokens as unknown[];
    assert.ok(tokens.length > 0 && tokens.every((token) => typeof token === "number"), JSON.stringify(real.body).slice(0, 200));
    assert.equal((answer.body as { tokens: unknown[] }).tokens.length, tokens.length);
    assert.ok((answer.body as { tokens: unknown[] }).tokens.every((token) => typeof token === "number"));
  });
});

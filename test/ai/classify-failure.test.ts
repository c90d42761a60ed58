import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyHttpFailure, classifyStreamError, errorInAnswer, retryAfter } from "../../src/ai/classify-failure.js";

const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  classifyHttpFailure(status, typeof body === "string" ? body : JSON.stringify(body), headers, "POST /v1/x");

test("context overflow in every server's words", () => {
  const bodies: [string, number, unknown][] = [
    ["LM Studio", 400, { error: "Trying to keep the first 6262 tokens when context the overflows. However, the model is loaded with context length of 4096 tokens, which is not enough." }],
    ["llama.cpp", 400, { error: { code: 400, message: "the request exceeds the available context size, try increasing it", type: "exceed_context_size_error" } }],
    ["llama.cpp (older)", 500, { error: { code: 500, message: "n_keep >= n_ctx", type: "server_error" } }],
    ["vLLM", 400, { object: "error", message: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.", type: "BadRequestError", code: 400 }],
    ["OpenAI", 400, { error: { message: "Your input is too long.", type: "invalid_request_error", code: "context_length_exceeded" } }],
    ["Anthropic", 400, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 210000 tokens > 200000 maximum" } }],
  ];
  for (const [server, status, body] of bodies) assert.equal(classify(status, body).kind, "context-overflow", server);
});

test("status codes map to kinds; the server's words are kept", () => {
  assert.equal(classify(401, { error: { message: "Incorrect API key provided", code: "invalid_api_key" } }).kind, "auth");
  assert.equal(classify(403, "forbidden").kind, "auth");
  assert.equal(classify(500, "boom").kind, "server-error", "a 500 is the server's fault, not a busy server");
  assert.equal(classify(502, "Bad Gateway").kind, "server-error");
  assert.equal(classify(500, { error: { message: "The server is overloaded", type: "server_error" } }).kind, "overloaded", "unless it says so");
  assert.equal(classify(503, "").kind, "overloaded");
  // A server loading its model says 503 too: a cold load, not an overload (t13 #5).
  const loading = classify(503, { error: { message: "Loading model", type: "unavailable_error", code: 503 } });
  assert.equal(loading.kind, "loading", "llama.cpp's llama-server while it loads (every path, /health too)");
  assert.equal(loading.message, "POST /v1/x answered 503: Loading model");
  assert.equal(classify(503, { message: "Loading model", type: "unavailable_error", code: 503 }).kind, "loading", "the same words at the top level");
  assert.equal(classify(503, { error: "Model HuggingFaceH4/zephyr-7b-beta is currently loading", estimated_time: 20 }).kind, "loading", "Hugging Face's inference servers");
  assert.equal(classify(503, { error: "server busy, please try again.  maximum pending requests exceeded" }).kind, "overloaded", "Ollama's full queue is busy, not loading");
  assert.equal(classify(503, { error: { message: "no slot available", type: "unavailable_error", code: 503 } }).kind, "overloaded", "llama.cpp with no free slot");
  assert.equal(classify(500, { error: { message: "Loading model", type: "server_error" } }).kind, "server-error", "only with a 503");
  assert.equal(classify(529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }).kind, "overloaded");
  assert.equal(classify(400, { error: { message: "temperature must be <= 2" } }).kind, "bad-request");
  const notFound = classify(404, { error: { message: "The model `gpt-9` does not exist", code: "model_not_found" } });
  assert.equal(notFound.kind, "model-not-found");
  assert.equal(notFound.message, "POST /v1/x answered 404: The model `gpt-9` does not exist");
  assert.equal(classify(400, { error: "No models loaded. Please load a model in the developer page or use the `lms load` command." }).kind, "model-not-found");
});

test("a hosted service loading the model: its estimate is the wait asked for, its header first; OpenRouter's upstream words count", () => {
  const huggingFace = classify(503, { error: "Model mistralai/Mistral-7B-Instruct-v0.2 is currently loading", estimated_time: 579.3385620117188 });
  assert.equal(huggingFace.kind, "loading");
  assert.equal(huggingFace.retryAfterMs, 579_338.5620117188, "estimated_time, in ms");
  assert.equal(classify(503, { error: "Model x is currently loading", estimated_time: 20 }, { "retry-after": "7" }).retryAfterMs, 7_000, "Retry-After wins");
  assert.equal(classify(503, { error: "Model x is currently loading", estimated_time: -1 }).retryAfterMs, undefined, "no estimate from a negative time");
  assert.equal(classify(503, { error: "Service Unavailable", estimated_time: 20 }).retryAfterMs, undefined, "an estimate counts only where the server says it loads");
  const openRouter = classify(503, { error: { message: "Provider returned error", code: 503, metadata: { raw: JSON.stringify({ error: "Model HuggingFaceH4/zephyr-7b-beta is currently loading", estimated_time: 20.0 }), provider_name: "HuggingFace" } } });
  assert.equal(openRouter.kind, "loading", "OpenRouter passing on Hugging Face's words");
  assert.equal(openRouter.retryAfterMs, 20_000);
  assert.equal(openRouter.message, "POST /v1/x answered 503: Provider returned error: Model HuggingFaceH4/zephyr-7b-beta is currently loading");
  assert.equal(classify(502, { error: { message: "Provider returned error", code: 502, metadata: { raw: "upstream timed out", provider_name: "X" } } }).message, "POST /v1/x answered 502: Provider returned error: upstream timed out", "raw text, not JSON");
  assert.equal(classify(429, { error: { message: "That model is still being loaded. Please try again shortly.", type: "server_error" } }).kind, "loading", "OpenAI's fine-tuned model, waking");
  assert.equal(classify(429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }).kind, "rate-limit");
});

test("a missing endpoint is its own kind, never model-not-found, and says the status the server sent", () => {
  for (const status of [404, 200]) {
    const failure = classify(status, { error: "Unexpected endpoint or method. (POST /v1/responses)" });
    assert.equal(failure.kind, "no-endpoint", String(status));
    assert.equal(failure.message, `POST /v1/x answered ${status}: Unexpected endpoint or method. (POST /v1/responses) (the server has no such endpoint)`);
  }
  assert.equal(classify(404, "404 page not found").kind, "no-endpoint", "Ollama's Go server");
  // The real llama-server (3.21.1) for GET /api/tags, POST /v1/chat/completions/chat/completions, any path it lacks.
  assert.equal(classify(404, { error: { message: "File Not Found", type: "not_found_error", code: 404 } }).kind, "no-endpoint", "llama.cpp's server");
  assert.equal(classify(404, { error: { message: "The model `gpt-9` does not exist" } }).kind, "model-not-found", "a missing model stays one");
});

test("a 2xx body is an error only when it carries one", () => {
  assert.deepEqual(errorInAnswer({ error: "Unexpected endpoint or method. (GET /models)" }), { message: "Unexpected endpoint or method. (GET /models)" });
  assert.equal(errorInAnswer({ id: "resp_1", object: "response", error: null }), undefined, "a Responses object's error: null");
  assert.equal(errorInAnswer({ object: "list", data: [] }), undefined);
  assert.equal(errorInAnswer({ error: "" }), undefined);
  assert.equal(errorInAnswer([{ error: "x" }]), undefined);
});

test("429 honours Retry-After in seconds, as a date, and retry-after-ms", () => {
  const seconds = classify(429, { error: { message: "Rate limit reached", type: "rate_limit_error" } }, { "retry-after": "7" });
  assert.equal(seconds.kind, "rate-limit");
  assert.equal(seconds.retryAfterMs, 7000);
  assert.equal(retryAfter({ "retry-after-ms": "1500" }), 1500);
  assert.equal(retryAfter({ "retry-after": new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() }, Date.UTC(2030, 0, 1, 0, 0, 0)), 10000);
  assert.equal(retryAfter({}), undefined);
});

test("errors inside a stream are classified by their code", () => {
  assert.equal(classifyStreamError({ message: "Overloaded", code: "overloaded_error" }, "x").kind, "overloaded");
  assert.equal(classifyStreamError({ message: "Your input exceeds the context window of this model.", code: "context_length_exceeded" }, "x").kind, "context-overflow");
  assert.equal(classifyStreamError({ message: "An error occurred while processing your request.", code: "server_error" }, "x").kind, "server-error");
  assert.equal(classifyStreamError({ message: "The server is overloaded", code: "server_error" }, "x").kind, "overloaded");
  assert.equal(classifyStreamError({ message: "server busy, please try again.  maximum pending requests exceeded", code: "server_error" }, "x").kind, "overloaded", "Ollama's full queue");
  assert.equal(classifyStreamError({ message: "an error was encountered while running the model: unexpected EOF", code: "server_error" }, "x").kind, "server-error", "Ollama's runner failing is not a busy server");
  assert.equal(classifyStreamError({ message: "Invalid 'input[3]'", code: "invalid_request_error" }, "x").kind, "bad-request");
  // The server took the request and began to answer: an error without a code that blames the request is its own.
  assert.equal(classifyStreamError({ message: "something went wrong while generating" }, "x").kind, "server-error");
  assert.equal(classifyStreamError({ message: "the sampler crashed", code: "generation_failed" }, "x").kind, "server-error");
});

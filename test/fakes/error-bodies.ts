// Realistic error replies of the model servers hearth talks to, each with the server that sends it and
// where its wording comes from. Statuses and bodies are byte-for-byte what the sources show, except
// token counts, model names and ids, which are example values.
import type { Reply } from "./fake-server.js";

const openaiHeaders = { "x-request-id": "req_6f1c3b0e2a9d4c5e8f7a6b5c4d3e2f10" };
const anthropicHeaders = { "request-id": "req_011CWdepJvA2D819tdYYq4h7" };
const anthropicError = (type: string, message: string) => ({ type: "error", error: { type, message }, request_id: anthropicHeaders["request-id"] });
const openaiError = (message: string, type: string, param: string | null, code: string | null) => ({ error: { message, type, param, code } });

// LM Studio 0.3.x, context overflow: HTTP 400, `error` is a plain string (lmstudio-bug-tracker#237, #546; dyad-sh/dyad#925).
export const lmstudioOverflow: Reply = {
  kind: "json",
  status: 400,
  body: {
    error:
      "Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input",
  },
};

// LM Studio 0.3.29+/0.4.x, unknown model: HTTP 400 OpenAI-style body (assafelovic/gpt-researcher#1556, continuedev/continue#12757).
export const lmstudioModelNotFound: Reply = lmstudioInvalidModel("gpt-4o", ["minimax-m2.1-gs32", "qwen/qwen3-4b-2507", "openai/gpt-oss-20b"]);

// LM Studio 0.3.29+/0.4.x, "Invalid model identifier" for any model id and downloaded list (same sources as above).
export function lmstudioInvalidModel(model: string, available: readonly string[]): Reply {
  const examples = available.slice(0, 3).join(", ");
  return {
    kind: "json",
    status: 400,
    body: openaiError(`Invalid model identifier "${model}". Please specify a valid downloaded model (e.g., ${examples}).`, "invalid_request_error", "model", "model_not_found"),
  };
}

// LM Studio 0.3.5–0.3.1x, unknown model: HTTP 404 with the model list (gitbutlerapp/gitbutler#8706, letta-ai/letta#1876).
export function lmstudioModelNotFoundLegacy(model: string, available: readonly string[]): Reply {
  return {
    kind: "json",
    status: 404,
    body: openaiError(`Model "${model}" not found. Please specify a valid model.\n\nYour models:\n\n${available.join("\n")}`, "invalid_request_error", "model", "model_not_found"),
  };
}

// LM Studio with nothing loaded and JIT loading off: HTTP 400, plain-string `error` (assafelovic/gpt-researcher#1556).
export const lmstudioNoModelsLoaded: Reply = {
  kind: "json",
  status: 400,
  body: { error: "No models loaded. Please load a model in the developer page or use the 'lms load' command." },
};

// LM Studio, a path or method it does not serve; the REAL server answers 200 ("Returning 200 anyway") (lmstudio-bug-tracker#618, #1323, #2085).
export function lmstudioUnexpectedEndpoint(method: string, path: string, status = 404): Reply {
  return { kind: "json", status, body: { error: `Unexpected endpoint or method. (${method} ${path})` } };
}

// llama.cpp llama-server (since PR #15780, Sep 2025; 400 since late 2025), prompt larger than the slot's n_ctx (continuedev/continue#9797, oobabooga/textgen#7257).
export const llamaCppOverflow: Reply = {
  kind: "json",
  status: 400,
  body: {
    error: {
      code: 400,
      message: "the request exceeds the available context size, try increasing it",
      type: "exceed_context_size_error",
      n_prompt_tokens: 14429,
      n_ctx: 8192,
    },
  },
};

// "n_keep >= n_ctx" wording, HTTP 400 plain-string `error`; observed from LM Studio's bundled llama.cpp engine ("[lmstudio-llama-cpp] Error in predictTokens") in several client repos' fixtures and notes.
export const llamaCppNKeep: Reply = {
  kind: "json",
  status: 400,
  body: {
    error:
      "The number of tokens to keep from the initial prompt is greater than the context length (n_keep: 5228 >= n_ctx: 4096). Try to load the model with a larger context length, or provide a shorter input.",
  },
};

// llama.cpp llama-server while the model is still loading: HTTP 503 (llama.cpp server README, /health "Loading model").
export const llamaCppLoadingModel: Reply = {
  kind: "json",
  status: 503,
  body: { error: { code: 503, message: "Loading model", type: "unavailable_error" } },
};

// vLLM OpenAI-compatible server, prompt + max_tokens over max_model_len: HTTP 400 (meta-llama/llama-verifications#58, vllm-project/vllm#20409, ogx-ai/ogx#4534).
export const vllmOverflow: Reply = {
  kind: "json",
  status: 400,
  body: {
    object: "error",
    message:
      "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (35904 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.",
    type: "BadRequestError",
    param: null,
    code: 400,
  },
};

// OpenAI Chat Completions, context overflow: HTTP 400 (chathub-dev/chathub#126, mckaywrigley/chatbot-ui#102, webtimemachine/wtm2#579).
export const openaiContextLengthExceeded: Reply = {
  kind: "json",
  status: 400,
  headers: openaiHeaders,
  body: openaiError(
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 204308 tokens. Please reduce the length of the messages.",
    "invalid_request_error",
    "messages",
    "context_length_exceeded",
  ),
};

// OpenAI Responses API, context overflow: HTTP 400, param "input" (the-open-agent/openagent#2344).
export const openaiResponsesContextLengthExceeded: Reply = {
  kind: "json",
  status: 400,
  headers: openaiHeaders,
  body: openaiError("Your input exceeds the context window of this model. Please adjust your input and try again.", "invalid_request_error", "input", "context_length_exceeded"),
};

// OpenAI, wrong key: HTTP 401 "Incorrect API key provided" (OpenAI error-codes guide; many client issues, e.g. BerriAI/litellm#7368).
export const openaiInvalidKey: Reply = {
  kind: "json",
  status: 401,
  headers: openaiHeaders,
  body: openaiError(
    "Incorrect API key provided: sk-test1*************************************wxyz. You can find your API key at https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    null,
    "invalid_api_key",
  ),
};

// OpenAI, tokens-per-minute limit: HTTP 429 with retry-after and x-ratelimit-* headers (DrShushen/climb#13, continuedev/continue#11472).
export function openaiRateLimited(retryAfterSeconds: number): Reply {
  return {
    kind: "json",
    status: 429,
    headers: {
      ...openaiHeaders,
      "retry-after": String(retryAfterSeconds),
      "retry-after-ms": String(retryAfterSeconds * 1000),
      "x-ratelimit-limit-tokens": "30000",
      "x-ratelimit-remaining-tokens": "63",
      "x-ratelimit-reset-tokens": `${retryAfterSeconds}s`,
    },
    body: openaiError(
      `Rate limit reached for gpt-4o in organization org-uOtiSEwvUnroadaOnJJquBEC on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      "tokens",
      null,
      "rate_limit_exceeded",
    ),
  };
}

// OpenAI, unknown or inaccessible model: HTTP 404 (Aider-AI/aider#2030, Cinnamon/kotaemon#280).
export const openaiModelNotFound: Reply = {
  kind: "json",
  status: 404,
  headers: openaiHeaders,
  body: openaiError("The model `gpt-9-turbo` does not exist or you do not have access to it.", "invalid_request_error", null, "model_not_found"),
};

// Anthropic, prompt over the context window: HTTP 400 (anthropics/claude-code#59696, earendil-works/pi#102).
export const anthropicPromptTooLong: Reply = {
  kind: "json",
  status: 400,
  headers: anthropicHeaders,
  body: anthropicError("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
};

// Anthropic, bad key: HTTP 401 authentication_error "invalid x-api-key" (Anthropic "Errors" docs).
export const anthropicAuth: Reply = {
  kind: "json",
  status: 401,
  headers: anthropicHeaders,
  body: anthropicError("authentication_error", "invalid x-api-key"),
};

// Anthropic, rate limit: HTTP 429 rate_limit_error with retry-after (Trae-AI/TRAE#625, stackblitz/bolt.new#8589; headers per Anthropic "Rate limits" docs).
export function anthropicRateLimited(retryAfterSeconds: number): Reply {
  return {
    kind: "json",
    status: 429,
    headers: {
      ...anthropicHeaders,
      "retry-after": String(retryAfterSeconds),
      "anthropic-ratelimit-input-tokens-limit": "30000",
      "anthropic-ratelimit-input-tokens-remaining": "0",
      "anthropic-ratelimit-input-tokens-reset": new Date(Date.UTC(2026, 0, 1, 0, 0, retryAfterSeconds)).toISOString(),
    },
    body: anthropicError(
      "rate_limit_error",
      "This request would exceed the rate limit for your organization (8e3f2c1a-5b7d-4e9f-a1c2-3d4e5f6a7b8c) of 30,000 input tokens per minute. For details, refer to: https://docs.anthropic.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.",
    ),
  };
}

// Anthropic, overloaded: HTTP 529 overloaded_error "Overloaded" (Anthropic "Errors" and streaming docs).
export const anthropicOverloaded: Reply = {
  kind: "json",
  status: 529,
  headers: anthropicHeaders,
  body: anthropicError("overloaded_error", "Overloaded"),
};

// OpenAI, internal error: HTTP 500 server_error (OpenAI error-codes guide: "The server had an error while processing your request").
export const serverError500: Reply = {
  kind: "json",
  status: 500,
  headers: openaiHeaders,
  body: openaiError("The server had an error while processing your request. Sorry about that!", "server_error", null, null),
};

// OpenAI, overloaded: HTTP 503 (OpenAI error-codes guide, "The engine is currently overloaded, please try again later"; exact body not confirmed).
export const serviceUnavailable503: Reply = {
  kind: "json",
  status: 503,
  headers: openaiHeaders,
  body: openaiError("The engine is currently overloaded, please try again later.", "server_error", null, null),
};

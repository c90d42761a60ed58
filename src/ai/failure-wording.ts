/**
 * What servers say when a request does not fit the model's context, or names a model they lack.
 * One pattern per line, with the server that says it; matched case-insensitively against the error
 * message (and code) the server sent.
 */
export const CONTEXT_OVERFLOW_WORDING: readonly RegExp[] = [
  /trying to keep the first \d+ tokens when context the overflows/i, // LM Studio (llama.cpp engine)
  /context length of only \d+ tokens/i, // LM Studio (MLX engine)
  /n_keep\b[:\s\d]*>=\s*n_ctx/i, // llama.cpp ("n_keep >= n_ctx", LM Studio's engine: "n_keep: 5228 >= n_ctx: 4096")
  /tokens to keep from the initial prompt is greater than the context length/i, // LM Studio (llama.cpp engine)
  /exceeds the available context size/i, // llama.cpp server
  /exceed_context_size_error/i, // llama.cpp server, error type
  /maximum context length is \d+ tokens/i, // vLLM, OpenAI chat completions
  /context_length_exceeded/i, // OpenAI error code
  /input tokens exceed the configured limit/i, // OpenAI Responses
  /your input exceeds the context window/i, // OpenAI Responses, response.failed
  /prompt is too long/i, // Anthropic
  /input length and `max_tokens` exceed context limit/i, // Anthropic
  /context window (?:is )?exceeded|exceeds? (?:the )?context window/i, // OpenRouter and its upstreams
  /too many tokens|token limit exceeded|reduce the length of the messages/i, // OpenRouter upstreams, Azure OpenAI
  /the input \(\d+ tokens\) is longer than the model'?s context length/i, // Ollama OpenAI-compatible API
  /request \(\d+ tokens\) exceeds the available context/i, // Ollama / llama.cpp variant
];

export const MODEL_NOT_FOUND_WORDING: readonly RegExp[] = [
  /model[_ ]not[_ ]found/i, // OpenAI error code, Ollama
  /model .* (?:does not exist|not found)/i, // OpenAI, vLLM ("The model `x` does not exist.")
  /no models? loaded/i, // LM Studio with JIT loading off
  /invalid model identifier/i, // LM Studio 0.3.29+ (400, code model_not_found)
  /failed to load model/i, // LM Studio, llama.cpp
  /not_found_error/i, // Anthropic error type
  /is not a valid model id/i, // OpenRouter
  /no endpoints found for/i, // OpenRouter, no provider serves the model
];

/** A server saying it is too busy right now (as opposed to failing): worth another server, or the same one later. */
export const OVERLOADED_WORDING: readonly RegExp[] = [
  /overloaded/i, // Anthropic ("Overloaded", overloaded_error), OpenAI ("The engine is currently overloaded")
  /server busy, please try again/i, // Ollama, its request queue full ("maximum pending requests exceeded")
];

/**
 * A server saying, with a 503 (or a 429), that it is loading the model and will answer once loaded: a cold
 * load, not an overload. Ollama, LM Studio and llama.cpp's router mode hold the request while they load
 * (a slow first token, not an answer); vLLM and SGLang do not listen until loaded (unreachable).
 */
export const LOADING_WORDING: readonly RegExp[] = [
  /^loading model$/i, // llama.cpp's llama-server, every path until its model is loaded: {"error":{"message":"Loading model","type":"unavailable_error","code":503}}
  /\bis currently loading\b/i, // Hugging Face's inference API: 503 {"error":"Model … is currently loading","estimated_time":20.0} (OpenRouter passes it on in error.metadata.raw)
  /\bmodel is still being loaded\b/i, // OpenAI, a fine-tuned model not used for a while: 429 "the model is still being loaded"
];

/** Wording of a server that has no such endpoint (an old LM Studio without /v1/responses, say). */
export const MISSING_ENDPOINT_WORDING: readonly RegExp[] = [
  /unexpected endpoint or method/i, // LM Studio
  /cannot (?:post|get) \//i, // Express-based servers ("Cannot POST /chat/completions", "Cannot GET /models")
  /^not found$/i, // generic 404
  /404 page not found/i, // Go servers (Ollama)
  /^file not found$/i, // llama.cpp server (404 {"error":{"message":"File Not Found","type":"not_found_error","code":404}} for any path it lacks)
];

/**
 * A 401/403 about one model for a key that works otherwise (the model is not allowed for it): that model
 * alone is cooled. Checked before KEY_REFUSED_WORDING: when unsure, a refusal is per model.
 */
export const MODEL_ACCESS_WORDING: readonly RegExp[] = [
  /does not have access to (?:the )?model/i, // OpenAI 403 ("Project `proj_…` does not have access to model `gpt-4.1`")
  /model[_ ]not[_ ]found/i, // OpenAI, its code on that 403
  /not (?:authorized|allowed|permitted) to (?:access|use) (?:the |this )?model/i, // OpenAI-compatible gateways (LiteLLM: "is not authorized to access model …")
  /\bmodel\b.*\b(?:not (?:available|allowed|enabled)|access)/i, // OpenRouter, Azure OpenAI: a model the key or account may not use
];

/** Words that say the key itself was refused, which a 403 must have to count as that (a 401 always does, unless it names a model). */
export const KEY_REFUSED_WORDING: readonly RegExp[] = [
  /invalid_api_key|incorrect api key/i, // OpenAI (401, code invalid_api_key)
  /authentication_error|invalid x-api-key/i, // Anthropic (401, type authentication_error)
  /no auth credentials found|invalid credentials|api key (?:is )?(?:disabled|revoked|expired|invalid)/i, // OpenRouter (401)
  /key limit exceeded/i, // OpenRouter 403 "Key limit exceeded (monthly limit). Manage it using https://openrouter.ai/settings/keys": every model on the key
];

export const matchesAny = (text: string, patterns: readonly RegExp[]): boolean => patterns.some((pattern) => pattern.test(text));

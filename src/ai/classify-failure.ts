import type { IncomingHttpHeaders } from "node:http";
import { CONTEXT_OVERFLOW_WORDING, KEY_REFUSED_WORDING, LOADING_WORDING, MISSING_ENDPOINT_WORDING, MODEL_ACCESS_WORDING, MODEL_NOT_FOUND_WORDING, OVERLOADED_WORDING, matchesAny } from "./failure-wording.js";
import type { Failure, FailureKind } from "./types.js";
import { WEB_PAGE_UNSURE, servedInstead, webPageOf, webPageWords } from "./web-page-answer.js";

export interface ErrorPayload {
  message: string;
  /** The server's code or type (`context_length_exceeded`, `overloaded_error`, …). */
  code?: string | undefined;
  /** How long the server expects to need, said in its body (Hugging Face's `estimated_time` while it loads the model), in ms. */
  estimatedMs?: number | undefined;
}

/** The message and code of an error body, whichever server shape it has. */
export function readErrorPayload(bodyText: string): ErrorPayload {
  const trimmed = bodyText.trim();
  // A web page's markup is never quoted: what the page is, in words.
  const page = webPageOf(trimmed, {});
  if (page) return { message: webPageWords(page) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { message: trimmed.slice(0, 500) };
  }
  return errorPayloadOf(parsed) ?? { message: trimmed.slice(0, 500) };
}

/**
 * `{error: "…"}` (LM Studio; Hugging Face's `{error, estimated_time}`), `{error: {message, code, type}}` (OpenAI, llama.cpp),
 * `{message, type}` (vLLM), `{type: "error", error: {type, message}}` (Anthropic); OpenRouter's `{error: {message:
 * "Provider returned error", metadata: {raw}}}` with the upstream's own words (its body, as text) after its message.
 */
export function errorPayloadOf(value: unknown): ErrorPayload | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const error = record.error;
  const estimated = typeof record.estimated_time === "number" && Number.isFinite(record.estimated_time) && record.estimated_time >= 0 ? { estimatedMs: record.estimated_time * 1000 } : {};
  if (typeof error === "string") return { message: error, ...estimated };
  if (error && typeof error === "object") {
    const inner = error as Record<string, unknown>;
    const message = typeof inner.message === "string" ? inner.message : JSON.stringify(inner);
    const code = stringOf(inner.code) ?? stringOf(inner.type);
    const upstream = upstreamPayload(inner.metadata);
    if (upstream) return { message: `${message}: ${upstream.message}`, code, ...(upstream.estimatedMs !== undefined ? { estimatedMs: upstream.estimatedMs } : {}) };
    return { message, code };
  }
  if (typeof record.message === "string") return { message: record.message, code: stringOf(record.code) ?? stringOf(record.type) };
  if (typeof record.detail === "string") return { message: record.detail };
  return undefined;
}

/** OpenRouter's `metadata.raw`: the upstream provider's error body, as text (JSON or not). */
function upstreamPayload(metadata: unknown): ErrorPayload | undefined {
  if (metadata === null || typeof metadata !== "object") return undefined;
  const raw = (metadata as Record<string, unknown>).raw;
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  return readErrorPayload(raw.slice(0, 2_000));
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

/**
 * A 2xx JSON answer that carries an error instead of what was asked (LM Studio answers an unknown path
 * with 200 and `{"error":"Unexpected endpoint or method. (…)"}`): its error's words, else undefined.
 * Only an `error` that is a text or an object counts (a Responses object's `error: null` does not).
 */
export function errorInAnswer(body: unknown): ErrorPayload | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const error = (body as Record<string, unknown>).error;
  if (!(typeof error === "string" ? error.trim() !== "" : typeof error === "object" && error !== null)) return undefined;
  return errorPayloadOf(body);
}

/** A non-2xx answer, or a 2xx one whose body is an error (errorInAnswer) → a failure kind, with Retry-After honoured; the message says the status the server sent. */
export function classifyHttpFailure(status: number, bodyText: string, headers: IncomingHttpHeaders, what: string): Failure {
  // A web page (HTML) for the path asked is no model server's answer: another program holds the address — never "model-not-found", and no markup.
  // With another status (a proxy's 403 or 502 page) it is judged by its status, in words (readErrorPayload).
  const page = webPageOf(bodyText, headers);
  if (page && servedInstead(status)) return { kind: "no-endpoint", status, message: `${what} answered ${status} with ${webPageWords(page)}${WEB_PAGE_UNSURE}`, detail: webPageWords(page), webPage: true };
  // A page's words with its server header (readErrorPayload has only the body).
  const payload = page ? { message: webPageWords(page) } : readErrorPayload(bodyText);
  const kind = kindOf(payload, status);
  // The header, else the wait a loading server estimates in its body (Hugging Face's estimated_time).
  const retryAfterMs = retryAfter(headers) ?? (kind === "loading" ? payload.estimatedMs : undefined);
  const detail = payload.message || `HTTP ${status}`;
  return {
    kind,
    status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(kind === "auth" && refusesKey(payload, status) ? { keyRefused: true } : {}),
    message: `${what} answered ${status}: ${explain(kind, detail)}`,
    detail,
  };
}

/**
 * Whether an "auth" refusal is of the key itself (OpenAI's invalid_api_key, Anthropic's authentication_error,
 * OpenRouter's invalid credentials — all 401) rather than of one model for it (OpenAI's 403 "does not have
 * access to model", Anthropic's 403 permission_error, OpenRouter's 403 moderation): a 401 that names no
 * model, or a 403 whose words name the key. Unsure: per model.
 */
function refusesKey(payload: ErrorPayload, status: number): boolean {
  const text = `${payload.code ?? ""} ${payload.message}`;
  if (matchesAny(text, MODEL_ACCESS_WORDING)) return false;
  return status === 401 || matchesAny(text, KEY_REFUSED_WORDING);
}

/**
 * An error reported inside a stream (no HTTP status): Responses `error`/`response.failed`, Anthropic
 * `event: error`, a chat chunk with `error`. The server took the request and began to answer, so
 * unless it names the request as the problem (`invalid_request…`), the failure is the server's own:
 * worth another candidate, and a `/retry`.
 */
export function classifyStreamError(payload: ErrorPayload, what: string): Failure {
  const named = kindOf(payload, undefined);
  const kind = named === "bad-request" && !/invalid|bad_request/i.test(payload.code ?? "") ? "server-error" : named;
  return { kind, message: `${what} reported an error mid-answer: ${explain(kind, payload.message)}`, detail: payload.message };
}

function kindOf(payload: ErrorPayload, status: number | undefined): FailureKind {
  const text = `${payload.code ?? ""} ${payload.message}`;
  if (matchesAny(text, CONTEXT_OVERFLOW_WORDING)) return "context-overflow";
  const code = payload.code ?? "";
  // A server loading the model says 503 too (llama.cpp's "Loading model"; OpenAI said 429 for a fine-tuned model): it answers once loaded, so it is waited for as a cold load.
  if ((status === 503 || status === 429) && matchesAny(payload.message, LOADING_WORDING)) return "loading";
  // Only a server that says so is overloaded (503, Anthropic's 529, "overloaded" in its words); any other 5xx is its own fault.
  if (/overloaded/i.test(code) || status === 503 || status === 529) return "overloaded";
  if ((status === undefined || status >= 500) && matchesAny(payload.message, OVERLOADED_WORDING)) return "overloaded";
  if (/rate_limit/i.test(code)) return "rate-limit";
  if (/authentication|permission|invalid_api_key/i.test(code)) return "auth";
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate-limit";
  // A server that says it has no such endpoint (LM Studio says so with 200): the address or the api is wrong, not the model.
  if (matchesAny(payload.message, MISSING_ENDPOINT_WORDING)) return "no-endpoint";
  if (status === 404 || matchesAny(text, MODEL_NOT_FOUND_WORDING)) return "model-not-found";
  if (status === 408) return "timeout";
  if (status !== undefined && status >= 500) return "server-error";
  if (status === undefined && /server_error|api_error|internal/i.test(code)) return "server-error";
  return "bad-request";
}

/** A server's words as a failure's message quotes them: 300 characters at most. */
export function clipDetail(detail: string): string {
  return detail.length > 300 ? `${detail.slice(0, 297)}...` : detail;
}

/** The server's words; a missing endpoint says so (what to change depends on the model's baseUrl and api: see missingEndpointAdvice). */
function explain(kind: FailureKind, detail: string): string {
  const clipped = clipDetail(detail);
  return kind === "no-endpoint" ? `${clipped} (the server has no such endpoint)` : clipped;
}

/** `retry-after-ms` (OpenAI), `retry-after` in seconds or as an HTTP date. */
export function retryAfter(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number(headers["retry-after-ms"]);
  if (Number.isFinite(ms) && ms >= 0 && headers["retry-after-ms"] !== undefined) return ms;
  const value = headers["retry-after"];
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

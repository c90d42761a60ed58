import type { Api } from "./api.js";
import { classifyHttpFailure, clipDetail, errorInAnswer } from "./classify-failure.js";
import { servedInstead, webPageFailure, webPageHead, webPageOf } from "./web-page-answer.js";
import { missingEndpointAdvice, webPageAdvice } from "./endpoint-advice.js";
import { FailureError, type HttpClient, type HttpResponse } from "./http/http-client.js";
import { compatibleContext, type CompatHabits } from "./compat.js";
import type { ModelCompat, ModelSpec } from "./model-spec.js";
import { ResponseBuilder } from "./response-builder.js";
import type { ThinkHabits } from "./think-habits.js";
import type { CallOptions, Context, Failure, StreamEvent, Timeouts } from "./types.js";
import { linkAbort } from "../shared/abort-link.js";
import { EventStream } from "../shared/event-stream.js";
import { joinUrl } from "./http/join-url.js";
import type { WireBody } from "./wire-parts.js";

/**
 * Contract: `stream` returns at once and never throws; the stream yields text, reasoning, tool-call
 * and usage events and ends with exactly one response-end or response-error (a classified Failure).
 * No retries happen here: retrying and failing over belong to the router.
 */
export interface ProviderAdapter {
  readonly api: Api;
  stream(model: ModelSpec, context: Context, options?: CallOptions): EventStream<StreamEvent>;
  /** Lets go of what it keeps only to make later requests cheaper (conversations' serialised histories): the next requests rebuild it, byte for byte. */
  releaseMemory?(): void;
  /** The request shapes the model takes, as configured and as its refusals taught this adapter; absent: the config's alone. */
  compatFor?(model: ModelSpec): ModelCompat;
}

export type AdapterFactory = (dependencies: AdapterDependencies) => ProviderAdapter;

export interface AdapterDependencies {
  http: HttpClient;
}

/** Local servers may load a model on demand before the first byte; hosted ones answer quickly or are in trouble. */
export const DEFAULT_TIMEOUTS: { local: Timeouts; hosted: Timeouts } = {
  local: { connectMs: 3_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 0 },
  hosted: { connectMs: 10_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 0 },
};

/** Defaults, then the provider's `timeoutSeconds` (first byte and idle), then the call's own. */
export function resolveTimeouts(model: ModelSpec, options: CallOptions | undefined): Timeouts {
  const base = { ...(model.local ? DEFAULT_TIMEOUTS.local : DEFAULT_TIMEOUTS.hosted) };
  if (model.timeoutSeconds !== undefined) {
    base.firstByteMs = model.timeoutSeconds * 1000;
    base.idleMs = model.timeoutSeconds * 1000;
  }
  return { ...base, ...options?.timeouts };
}

const noUnlink = (): void => undefined;

/** What an adapter asks of {@link runAdapter} beyond the call itself. */
export interface AdapterRunOptions {
  /**
   * The protocol may carry reasoning inline in its text (`<think>` tags): split it out, holding a
   * reasoning model's leading text only while these habits say an orphan `</think>` is plausible.
   */
  thinkTags?: ThinkHabits | undefined;
  /** The server takes inline reasoning out of the text itself for this request (Ollama asked to `think`). */
  separatesReasoning?: ((model: ModelSpec, options: CallOptions | undefined) => boolean) | undefined;
  /** The adapter instance's memory of request shapes each model refused (one per adapter instance). */
  compat?: CompatHabits | undefined;
}

/**
 * Runs an adapter's work with the contract's guarantees: whatever it throws becomes one
 * response-error; a stream that ends without a final event is a broken stream. `work` gets the
 * context reshaped for what the model cannot take (`compat`). A request the server refuses, before
 * any answer, for a shape it names (a system role, tools, content parts, the reply-limit field) is
 * sent once more in the shape it takes; the switch is remembered for the model.
 */
export function runAdapter(
  model: ModelSpec,
  context: Context,
  options: CallOptions | undefined,
  work: (builder: ResponseBuilder, context: Context, compat: ModelCompat, options: CallOptions) => Promise<void>,
  run: AdapterRunOptions = {},
): EventStream<StreamEvent> {
  const splitter = run.thinkTags?.splitterFor(model, run.separatesReasoning?.(model, options) ?? false);
  // One controller per request: the caller's signal or a consumer that stops reading aborts it (the caller's own, when it gave one).
  const owned = options?.callController;
  const request = owned ?? new AbortController();
  const unlink = owned ? noUnlink : linkAbort(options?.signal, request);
  const stream = new EventStream<StreamEvent>({ onCancel: () => request.abort() });
  const compat = (): ModelCompat => run.compat?.for(model) ?? model.compat ?? {};
  const acceptsImages = model.input.includes("image");
  let wire = compatibleContext(context, compat(), acceptsImages);
  const builder = new ResponseBuilder(model, wire, stream, splitter);
  builder.onFirstToken = options?.onFirstToken;
  builder.onToken = options?.onToken;
  const callOptions: CallOptions = { ...options, signal: request.signal, callController: undefined, onFirstToken: undefined, onToken: undefined };
  void (async () => {
    try {
      try {
        await work(builder, wire, compat(), callOptions);
      } catch (error) {
        const learned = !builder.started && error instanceof FailureError ? run.compat?.learn(model, error.failure, options) : undefined;
        if (!learned) throw error;
        wire = compatibleContext(context, learned.compat, acceptsImages);
        builder.reshaped(wire);
        await work(builder, wire, learned.compat, callOptions);
      }
      if (!builder.finished) builder.fail({ kind: "stream-broken", message: `${model.ref}: the answer ended without its final event` });
    } catch (error) {
      builder.fail(toFailure(error, model, request.signal));
    } finally {
      unlink();
    }
  })();
  return stream;
}

function toFailure(error: unknown, model: ModelSpec, signal: AbortSignal): Failure {
  if (signal.aborted) return { kind: "aborted", message: "the call was cancelled" };
  if (error instanceof FailureError) return { ...error.failure, message: `${model.ref}: ${error.failure.message}` };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "stream-broken", message: `${model.ref}: the answer could not be read (${message})` };
}

/** OpenAI-style servers take the key as a bearer token; keyless local servers get no header. */
export function bearerHeaders(holder: { apiKey: string | undefined }): Record<string, string> {
  return holder.apiKey ? { authorization: `Bearer ${holder.apiKey}` } : {};
}

/** POSTs JSON (a value, or a `WireBody` already written) and returns the streaming response, or throws a FailureError classified from the error answer. */
export async function postForStream(
  http: HttpClient,
  model: ModelSpec,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  options: CallOptions | undefined,
  builder: ResponseBuilder,
): Promise<HttpResponse> {
  const url = joinUrl(model.baseUrl, path);
  const result = await http.request({
    url,
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers, ...model.headers },
    body: isWireBody(body) ? body : JSON.stringify(body),
    timeouts: resolveTimeouts(model, options),
    firstByteLimit: options?.firstByteLimit,
    signal: options?.signal,
  });
  if (!result.ok) throw new FailureError(result.failure);
  const response = result.response;
  // Words for a refusal alone: parsing the URL for them costs every answered request otherwise.
  const what = (): string => `POST ${new URL(url).pathname}`;
  const type = String(response.headers["content-type"] ?? "");
  if (response.status < 200 || response.status >= 300) {
    const text = await response.text(64 * 1024).catch(() => "");
    throw new FailureError(withEndpointAdvice(answerFailure({ status: response.status, text, headers: response.headers }, { url, what: what() }), model, path));
  }
  // A web page with a 200 (a web server's index, a portal): another program holds the address, not a model server.
  if (type.toLowerCase().includes("html")) throw new FailureError(withEndpointAdvice(answerFailure({ status: response.status, text: await response.text(64 * 1024).catch(() => ""), headers: response.headers }, { url, what: what() }), model, path));
  // LM Studio answers an unknown endpoint (and some errors) with 200 and a JSON error instead of a stream: its words decide, its status is said as sent.
  if (type.includes("application/json")) {
    const text = await response.text(64 * 1024).catch(() => "");
    const body = safeJson(text);
    if (errorInAnswer(body)) throw new FailureError(withEndpointAdvice(answerFailure({ status: response.status, text, headers: response.headers }, { url, what: what() }), model, path));
    // A body its content-type calls JSON that does not parse is said as what it is, not as JSON.
    const said = body === undefined ? (text.trim() === "" ? "an empty body" : "a body that is not JSON (though its content-type says JSON)") : "JSON";
    throw new FailureError({ kind: "server-error", status: response.status, message: `${what()} answered ${response.status} with ${said} instead of a stream: ${clipDetail(text.trim() || "(empty)")}`, detail: text.trim().slice(0, 500) });
  }
  builder.onActivity = () => response.markActivity();
  return response;
}

/** An error answer as a failure: a web page says which server answered, at which address (webPageFailure); any other body is classified by its words. */
function answerFailure(answer: { status: number; text: string; headers: HttpResponse["headers"] }, request: { url: string; what: string }): Failure {
  const { status, text, headers } = answer;
  const page = webPageOf(text, headers);
  return page && servedInstead(status) ? webPageFailure({ status, page }, { method: "POST", url: request.url }) : classifyHttpFailure(status, text, headers, request.what);
}

/** A "no such endpoint" failure (a web page among them) with what it means for this model's baseUrl and api. */
function withEndpointAdvice(failure: Failure, model: ModelSpec, path: string): Failure {
  if (failure.kind !== "no-endpoint") return failure;
  if (failure.webPage) {
    const advice = webPageAdvice(model, failure.detail ?? "");
    return { ...failure, message: `${webPageHead(failure.message)}: ${advice.words} — ${advice.fix}` };
  }
  return { ...failure, message: `${failure.message}: ${missingEndpointAdvice(model, path.split("?")[0] ?? path)}` };
}

function isWireBody(body: unknown): body is WireBody {
  return typeof body === "object" && body !== null && Array.isArray((body as Partial<WireBody>).chunks) && typeof (body as Partial<WireBody>).bytes === "number";
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** JSON.parse for one SSE data payload; a malformed one means the stream is broken. */
export function parseEventData(data: string, what: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new FailureError({ kind: "stream-broken", message: `${what} sent a malformed event: ${data.slice(0, 120)}` });
  }
}

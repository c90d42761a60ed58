import type { Context } from "hono";
import type { Usage } from "../../../ai/types.js";
import type { Answer, AnswerEvent, AnswerFailure, AnswerSource, AttemptSummary } from "./answer-events.js";
import { errorBody } from "./request-problem.js";
import { noticeHeader, replyHeaders } from "./reply-meta.js";
import { BatchedWrites } from "./batched-writes.js";
import { sseBody, type SseOut } from "./sse-body.js";
import { nodeResponse } from "../node-response.js";
import { jsonToNode } from "../json-to-node.js";
import { sseToNode } from "./sse-node.js";
import { statusComment } from "./status-lines.js";
import { EventStream } from "../../../shared/event-stream.js";
import { lastCalled } from "../../../models/attempt-causes.js";

/** One server-sent event: an optional `event:` line and the data (its lines each a `data:` line). */
export interface SSEMessage {
  event?: string | undefined;
  data: string;
}

/**
 * Events as text, byte for byte as Hono's `writeSSE` writes each, joined: a step's events go out in one
 * write, without a promise, a split and an encoder pass per event.
 */
export function sseText(messages: readonly SSEMessage[]): string {
  let text = "";
  for (const message of messages) {
    // includes(), not a regular expression: several times cheaper on every event (JSON data has no line breaks).
    const data = message.data.includes("\n") || message.data.includes("\r") ? message.data.split(/\r\n|\r|\n/).join("\ndata: ") : message.data;
    text += `${message.event ? `event: ${message.event}\n` : ""}data: ${data}\n\n`;
  }
  return text;
}

/** How one API writes an answer as server-sent events. */
export interface SseWriter {
  /** The first events, once the answer is under way (the headers are sent then); `model`: who is answering, when known. */
  start(model: string | undefined): SSEMessage[];
  event(event: Extract<AnswerEvent, { type: "text-delta" | "reasoning-delta" | "reasoning-signed" | "tool-call" | "step-break" | "restart" | "failed-over" }>): SSEMessage[];
  end(answer: Answer): SSEMessage[];
  /** The answer failed after the stream began: the error, the way this API ends a stream with one. */
  fail(failure: AnswerFailure): SSEMessage[];
  /** The model whose words follow, once known in a stream that started before it was (a wait said first). */
  answering?(model: string): void;
}

export type Settled = { ok: true; answer: Answer } | { ok: false; failure: AnswerFailure };

const endedWithout = (source: AnswerSource): AnswerFailure => ({ status: 502, message: "the answer ended without a result", type: "server_error", code: "upstream_failed", attempts: source.known().attempts });

/** The whole answer of a non-streaming request. */
export async function settle(source: AnswerSource): Promise<Settled> {
  for await (const event of source.events) {
    if (event.type === "end") return { ok: true, answer: event.answer };
    if (event.type === "error") return { ok: false, failure: event.failure };
  }
  return { ok: false, failure: endedWithout(source) };
}

/**
 * The whole answer of a non-streaming request, handed to `reply` as it comes: within the push of the
 * answer's last event when the source is an EventStream (a listener: the client's reply is written in
 * the same turn as the model's last byte, not after a promise and a microtask turn per event), else
 * once iterated (`settle`). Resolves with what `reply` returned; rejects with what it threw.
 */
export function whenSettled<T>(source: AnswerSource, reply: (settled: Settled) => T): Promise<T> {
  const events = source.events;
  if (!(events instanceof EventStream)) return settle(source).then(reply);
  return new Promise<T>((resolve, reject) => {
    let over = false;
    const done = (settled: Settled): void => {
      if (over) return;
      over = true;
      try {
        resolve(reply(settled));
      } catch (error) {
        reject(error);
      }
    };
    events.listen({
      event: (event) => {
        if (event.type === "end") done({ ok: true, answer: event.answer });
        else if (event.type === "error") done({ ok: false, failure: event.failure });
      },
      end: () => done({ ok: false, failure: endedWithout(source) }),
    });
  });
}

/** How an API writes a usage: chatUsage (`prompt_tokens`…) or responsesUsage (`input_tokens`…). */
export type UsageShape = (usage: Usage) => object;

/**
 * The error body of a request no model answered: what its models spent before failing as `usage`, when
 * known — with `estimated: true` where a server sent no count of its own (a stream cut before its usage:
 * the prompt as hearth counts it for that server, the answer by its characters).
 */
export function failureBody(failure: AnswerFailure, usageShape: UsageShape): Record<string, unknown> {
  const usage = failure.usage;
  return errorBody({ ...failure, usage: usage === undefined ? undefined : { ...usageShape(usage), ...(usage.estimated ? { estimated: true } : {}) } });
}

/**
 * A request no model answered, as its status and OpenAI's error body. `x-should-retry: false` (which the
 * official openai and anthropic SDKs obey before any status rule: they retry every 5xx otherwise) on
 * each: hearth has already been through the chain, with its own retries and failover, so a blind
 * resend only runs it again — and in agent mode the message is saved, and would be saved again.
 */
export function failureResponse(c: Context, answered: { failure: AnswerFailure; usageShape: UsageShape; straight?: boolean | undefined }): Response {
  const { failure, usageShape } = answered;
  const headers = { ...replyHeaders({ model: undefined, attempts: failure.attempts }), ...noticeHeader(failure.notice), "x-should-retry": "false" };
  // Straight to Node for a route that set no header through Hono (proxy mode), as jsonToNode writes one.
  const body = failureBody(failure, usageShape);
  return answered.straight ? jsonToNode(c, { body, status: failure.status, headers }) : c.json(body, failure.status as 400, headers);
}

/**
 * How a request's answer ended, for its log line: the status, the model that answered (or was answering;
 * with none, the last one called — for the operator: the client is told the attempts, and no model), every attempt.
 */
export interface AnswerOutcome {
  status: number;
  model: string | undefined;
  attempts: readonly AttemptSummary[];
}

/** The outcome of a request no model answered. */
export function failedOutcome(failure: AnswerFailure, source: AnswerSource): AnswerOutcome {
  return { status: failure.status, model: failure.model ?? source.known().model ?? lastCalled(failure.attempts), attempts: failure.attempts };
}

export interface StreamRequest {
  c: Context;
  source: AnswerSource;
  writer: SseWriter;
  /** The usage in the API's shape, for the error body of a request that failed before its stream began. */
  usageShape: UsageShape;
  /** Aborted when the client goes away: the upstream call stops. */
  controller: AbortController;
  onDone: (outcome: AnswerOutcome) => void;
  /** How long the headers wait for the first token before the stream starts anyway (a cold load can take minutes). */
  headersWaitMs: number;
  /** A `: keep-alive` comment this often while no event comes. */
  keepAliveMs: number;
  /** Writing the stream failed after it began (a bug, not the model: that ends the stream the API's way); the stream ends. */
  onError: (error: unknown) => void;
  /** The route set no header through Hono (proxy mode): a failure before the stream is written straight to Node (failureResponse). */
  straight?: boolean | undefined;
}

type Step = { kind: "event"; event: AnswerEvent } | { kind: "done" } | { kind: "quiet" };

/**
 * A streamed answer. The headers wait for the first token (or the end): a request that no model can
 * answer gets an HTTP error status with the attempts, which every client reports properly, and the
 * headers name the model answering. A wait worth telling of (a model silent for seconds or loading,
 * the turn queued behind another of its session or at a shared cache) starts the stream at once, and
 * so does `headersWaitMs` without a token: the headers then carry the attempts so far and no model
 * (who answers is not known yet; the last event names it), and the client reads `: hearth: …`
 * comments — what was said before, then each as it comes — and `: keep-alive` while it is quiet.
 * After that, a failure ends the stream the API's way.
 */
export async function streamAnswer(request: StreamRequest): Promise<Response> {
  const { c, source, writer, controller, onDone } = request;
  const iterator = source.events[Symbol.asyncIterator]();
  let next: Promise<IteratorResult<AnswerEvent>> | undefined;
  /** The next event, or "quiet" when none came within `ms` (the pending read is kept for the next call). */
  const step = async (ms: number): Promise<Step> => {
    next ??= iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const quiet = new Promise<Step>((resolve) => (timer = setTimeout(() => resolve({ kind: "quiet" }), ms)));
    const result = await Promise.race([next.then((value): Step => (value.done ? { kind: "done" } : { kind: "event", event: value.value })), quiet]);
    clearTimeout(timer);
    if (result.kind !== "quiet") next = undefined;
    return result;
  };

  const nextStep = async (): Promise<Step> => {
    next ??= iterator.next();
    const result = await next;
    next = undefined;
    return result.done ? { kind: "done" } : { kind: "event", event: result.value };
  };

  /** Status lines that came before the response started: they go out first once it does. */
  const said: string[] = [];
  const deadline = performance.now() + request.headersWaitMs;
  let first: Step;
  for (;;) {
    first = await step(Math.max(0, deadline - performance.now()));
    if (first.kind !== "event") break;
    const { event } = first;
    if (event.type === "restart" || event.type === "step-break" || event.type === "failed-over") continue;
    if (event.type !== "status") break;
    said.push(event.text);
    if (event.startsStream) break;
  }
  if (first.kind === "done" || (first.kind === "event" && first.event.type === "error")) {
    const failure = first.kind === "done" ? endedWithout(source) : (first.event as Extract<AnswerEvent, { type: "error" }>).failure;
    onDone(failedOutcome(failure, source));
    return failureResponse(c, { failure, usageShape: request.usageShape, straight: request.straight });
  }
  const known = first.kind === "event" && first.event.type === "end" ? { model: first.event.answer.model, attempts: first.event.answer.attempts } : source.known();
  // Started before a token: the model being tried may still fail over, so no header names one.
  const answering = first.kind === "event" && first.event.type !== "status" ? known.model : undefined;
  // What can be said of the answer once its words began goes in the headers too (the last event says it all, as a comment).
  const notice = first.kind === "event" && first.event.type === "end" ? first.event.answer.notice : answering === undefined ? undefined : source.noticeSoFar?.();
  const headers = { ...replyHeaders({ model: answering, attempts: known.attempts }), ...noticeHeader(notice), ...SSE_HEADERS };
  // The events name the model whose words they carry (in agent mode too, where the headers do not: a later step may be another's).
  const speaking = first.kind !== "event" || first.event.type === "status" ? undefined : first.event.type === "end" ? first.event.answer.model : source.speaking();

  let ended = false;
  const cancel = (): void => {
    if (!ended) controller.abort();
  };
  const run = async (sse: SseOut): Promise<void> => {
    // The events of one turn of the event loop go out in one write.
    const batch = new BatchedWrites(sse);
    // One keep-alive timer for the whole stream, pushed back by every write: a timer and a race per
    // event cost more than the event itself.
    const keepAlive = new KeepAlive(sse, batch, request.keepAliveMs);
    /** A promise only while the client is behind (no promise and turn of the microtask queue per event otherwise). */
    const write = (messages: SSEMessage[]): Promise<void> | undefined => {
      if (messages.length === 0) return undefined;
      keepAlive.wrote();
      return batch.add(sseText(messages));
    };
    const say = (text: string): Promise<void> | undefined => {
      keepAlive.wrote();
      return batch.add(statusComment(text));
    };
    try {
      let named = speaking;
      await write(writer.start(speaking));
      for (const text of said) await say(text);
      // A status line that started the stream was said above; the headers' wait that ran out without one starts with a comment.
      if (first.kind === "quiet" && said.length === 0) await batch.add(": keep-alive\n\n");
      /** Writes one step; true once the answer is over. `behind`: a promise while the client has not taken what was written. */
      let behind: Promise<void> | undefined;
      const handle = (current: Step): boolean => {
        if (current.kind === "done") {
          ended = true;
          behind = write(writer.fail(endedWithout(source)));
          onDone({ status: 502, model: source.known().model, attempts: source.known().attempts });
          return true;
        }
        if (current.kind !== "event") return false;
        const event = current.event;
        if (event.type === "end") {
          ended = true;
          behind = write(writer.end(event.answer));
          onDone({ status: 200, model: event.answer.model, attempts: event.answer.attempts });
          return true;
        }
        if (event.type === "error") {
          ended = true;
          behind = write(writer.fail(event.failure));
          onDone(failedOutcome(event.failure, source));
          return true;
        }
        if (event.type === "status") {
          behind = say(event.text);
          return false;
        }
        // A stream started by a wait names no model; the first words say who answers (an agent's next step may be another's).
        if (event.type === "text-delta" || event.type === "reasoning-delta" || event.type === "tool-call") {
          const now = source.speaking();
          if (now !== undefined && now !== named) {
            named = now;
            writer.answering?.(now);
          }
        }
        behind = write(writer.event(event));
        return false;
      };
      let current: Step = first.kind === "event" && first.event.type === "status" ? { kind: "quiet" } : first;
      // A read left waiting by the headers' wait is taken first.
      if (current.kind === "quiet" && next) current = await nextStep();
      if (handle(current)) return;
      if (behind) await behind;
      const events = source.events;
      if (events instanceof EventStream && !next) {
        // Each event written as it is pushed (no promise and turn of the microtask queue per event); the batch holds what the client has not taken yet.
        await new Promise<void>((resolve, reject) => {
          events.listen({
            event: (event) => {
              if (ended) return;
              try {
                if (handle({ kind: "event", event })) resolve();
              } catch (error) {
                ended = true;
                reject(error);
              }
            },
            end: () => {
              try {
                if (!ended) handle({ kind: "done" });
                resolve();
              } catch (error) {
                reject(error);
              }
            },
          });
        });
        return;
      }
      for (;;) {
        if (handle(await nextStep())) return;
        if (behind) await behind;
      }
    } finally {
      keepAlive.stop();
      // Everything written reaches the client before the stream closes (a client that went away takes nothing).
      await batch.drained();
    }
  };
  const handlers = { onCancel: cancel, onError: request.onError };
  const outgoing = nodeResponse(c);
  // A route that set no header through Hono (proxy mode), not under CORS: the headers go to Node as they are, as
  // Hono would list them (lowercase, by name) — no Headers and no web Response made per stream only to be read back.
  if (outgoing && request.straight === true && !c.get("corsHeaders")) return sseToNode(outgoing, { status: 200, headers: asHeadersList(headers) }, run, handlers);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  if (outgoing) {
    const head = c.newResponse(null);
    // CORS (when configured) adds headers once the route has returned: such answers keep the web stream.
    if (!head.headers.has("access-control-allow-origin")) return sseToNode(outgoing, { status: 200, headers: Object.fromEntries(head.headers) }, run, handlers);
  }
  return c.newResponse(sseBody(run, handlers));
}

/** The headers Hono's streamSSE sets. */
const SSE_HEADERS: Readonly<Record<string, string>> = { "Transfer-Encoding": "chunked", "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" };

/** Header fields as a web Headers object lists them: names in lowercase, in order of name. */
function asHeadersList(headers: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(headers).map(([name, value]): [string, string] => [name.toLowerCase(), value]);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * `: keep-alive` comments on a stream while nothing else is written: one timer, re-armed for the rest
 * of the quiet time when it fires early. A comment is not written while text waits for the client
 * (the connection is not idle then), nor after the client has gone.
 */
class KeepAlive {
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sse: SseOut,
    private readonly batch: BatchedWrites,
    private readonly ms: number,
  ) {
    this.arm(ms);
  }

  wrote(): void {
    this.last = performance.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
    if (this.sse.cancelled) return;
    const quiet = performance.now() - this.last;
    if (quiet >= this.ms) {
      this.last = performance.now();
      if (!this.batch.busy) void this.batch.add(": keep-alive\n\n");
    }
    this.arm(Math.max(1, Math.ceil(this.ms - (performance.now() - this.last))));
  }
}

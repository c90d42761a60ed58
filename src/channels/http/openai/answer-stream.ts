import type { Context } from "hono";
import type { Answer, AnswerEvent, AnswerFailure, AnswerSource, AttemptSummary } from "./answer-events.js";
import { errorBody } from "./request-problem.js";
import { replyHeaders } from "./reply-meta.js";
import { BatchedWrites } from "./batched-writes.js";
import { sseBody, type SseOut } from "./sse-body.js";
import { nodeResponse } from "../node-response.js";
import { sseToNode } from "./sse-node.js";

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
    const data = /[\r\n]/.test(message.data) ? message.data.split(/\r\n|\r|\n/).join("\ndata: ") : message.data;
    text += `${message.event ? `event: ${message.event}\n` : ""}data: ${data}\n\n`;
  }
  return text;
}

/** How one API writes an answer as server-sent events. */
export interface SseWriter {
  /** The first events, once the answer is under way (the headers are sent then); `model`: who is answering, when known. */
  start(model: string | undefined): SSEMessage[];
  event(event: Extract<AnswerEvent, { type: "text-delta" | "reasoning-delta" | "tool-call" | "step-break" | "restart" }>): SSEMessage[];
  end(answer: Answer): SSEMessage[];
  /** The answer failed after the stream began: the error, the way this API ends a stream with one. */
  fail(failure: AnswerFailure): SSEMessage[];
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

export function failureResponse(c: Context, failure: AnswerFailure): Response {
  const headers = replyHeaders({ model: undefined, attempts: failure.attempts });
  return c.json(errorBody(failure), failure.status as 400, headers);
}

/** How a request's answer ended, for its log line: the status, the model that answered (or was answering), every attempt. */
export interface AnswerOutcome {
  status: number;
  model: string | undefined;
  attempts: readonly AttemptSummary[];
}

/** The outcome of a request no model answered. */
export function failedOutcome(failure: AnswerFailure, source: AnswerSource): AnswerOutcome {
  return { status: failure.status, model: failure.model ?? source.known().model, attempts: failure.attempts };
}

export interface StreamRequest {
  c: Context;
  source: AnswerSource;
  writer: SseWriter;
  /** Aborted when the client goes away: the upstream call stops. */
  controller: AbortController;
  onDone: (outcome: AnswerOutcome) => void;
  /** How long the headers wait for the first token before the stream starts anyway (a cold load can take minutes). */
  headersWaitMs: number;
  /** A `: keep-alive` comment this often while no event comes. */
  keepAliveMs: number;
  /** Writing the stream failed after it began (a bug, not the model: that ends the stream the API's way); the stream ends. */
  onError: (error: unknown) => void;
}

type Step = { kind: "event"; event: AnswerEvent } | { kind: "done" } | { kind: "quiet" };

/**
 * A streamed answer. The headers wait for the first token (or the end), up to `headersWaitMs`: a
 * request that no model can answer gets an HTTP error status with the attempts, which every client
 * reports properly, and the headers name the model answering. A longer wait (a local model loading)
 * starts the stream anyway and keeps it alive with comments. After that, a failure ends the stream
 * the API's way.
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

  let first = await step(request.headersWaitMs);
  while (first.kind === "event" && (first.event.type === "restart" || first.event.type === "step-break")) first = await step(request.headersWaitMs);
  if (first.kind === "done" || (first.kind === "event" && first.event.type === "error")) {
    const failure = first.kind === "done" ? endedWithout(source) : (first.event as Extract<AnswerEvent, { type: "error" }>).failure;
    onDone(failedOutcome(failure, source));
    return failureResponse(c, failure);
  }
  const known = first.kind === "event" && first.event.type === "end" ? { model: first.event.answer.model, attempts: first.event.answer.attempts } : source.known();
  for (const [name, value] of Object.entries(replyHeaders(known))) c.header(name, value);

  // The headers Hono's streamSSE sets.
  c.header("Transfer-Encoding", "chunked");
  c.header("Content-Type", "text/event-stream");
  c.header("Cache-Control", "no-cache");
  c.header("Connection", "keep-alive");
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
    const write = async (messages: SSEMessage[]): Promise<void> => {
      if (messages.length === 0) return;
      keepAlive.wrote();
      await batch.add(sseText(messages));
    };
    try {
      await write(writer.start(known.model));
      let current: Step = first;
      // The headers' wait ran out before the first token: the stream starts with a comment.
      if (current.kind === "quiet") await batch.add(": keep-alive\n\n");
      for (;;) {
        if (current.kind === "done") {
          ended = true;
          await write(writer.fail(endedWithout(source)));
          onDone({ status: 502, model: source.known().model, attempts: source.known().attempts });
          break;
        }
        if (current.kind === "event") {
          const event = current.event;
          if (event.type === "end") {
            ended = true;
            await write(writer.end(event.answer));
            onDone({ status: 200, model: event.answer.model, attempts: event.answer.attempts });
            break;
          }
          if (event.type === "error") {
            ended = true;
            await write(writer.fail(event.failure));
            onDone(failedOutcome(event.failure, source));
            break;
          }
          await write(writer.event(event));
        }
        next ??= iterator.next();
        const result = await next;
        next = undefined;
        current = result.done ? { kind: "done" } : { kind: "event", event: result.value };
      }
    } finally {
      keepAlive.stop();
      // Everything written reaches the client before the stream closes (a client that went away takes nothing).
      await batch.drained();
    }
  };
  const handlers = { onCancel: cancel, onError: request.onError };
  const outgoing = nodeResponse(c);
  if (outgoing) {
    const head = c.newResponse(null);
    // CORS (when configured) adds headers once the route has returned: such answers keep the web stream.
    if (!head.headers.has("access-control-allow-origin")) return sseToNode(outgoing, { status: 200, headers: Object.fromEntries(head.headers) }, run, handlers);
  }
  return c.newResponse(sseBody(run, handlers));
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

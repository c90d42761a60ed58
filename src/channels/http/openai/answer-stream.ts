import type { Context } from "hono";
import { streamSSE, type SSEMessage } from "hono/streaming";
import type { Answer, AnswerEvent, AnswerFailure, AnswerSource } from "./answer-events.js";
import { errorBody } from "./request-problem.js";
import { replyHeaders } from "./reply-meta.js";

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

/** The whole answer of a non-streaming request. */
export async function settle(source: AnswerSource): Promise<Settled> {
  for await (const event of source.events) {
    if (event.type === "end") return { ok: true, answer: event.answer };
    if (event.type === "error") return { ok: false, failure: event.failure };
  }
  return { ok: false, failure: { status: 502, message: "the answer ended without a result", type: "server_error", code: "upstream_failed", attempts: source.known().attempts } };
}

export function failureResponse(c: Context, failure: AnswerFailure): Response {
  const headers = replyHeaders({ model: undefined, attempts: failure.attempts });
  return c.json(errorBody(failure), failure.status as 400, headers);
}

/**
 * A streamed answer. Nothing is sent until the first token (or the end): a request that no model can
 * answer gets an HTTP error status with the attempts, which every client reports properly, and the
 * headers name the model that is answering. After that, a failure ends the stream the API's way.
 */
export interface StreamRequest {
  c: Context;
  source: AnswerSource;
  writer: SseWriter;
  /** Aborted when the client goes away: the upstream call stops. */
  controller: AbortController;
  onDone: (outcome: { status: number; model: string | undefined; attempts: number }) => void;
}

export async function streamAnswer({ c, source, writer, controller, onDone }: StreamRequest): Promise<Response> {
  const iterator = source.events[Symbol.asyncIterator]();
  const before: AnswerEvent[] = [];
  let first: IteratorResult<AnswerEvent> = await iterator.next();
  while (!first.done && (first.value.type === "restart" || first.value.type === "step-break")) first = await iterator.next();
  if (first.done) return failureResponse(c, { status: 502, message: "the answer ended without a result", type: "server_error", code: "upstream_failed", attempts: source.known().attempts });
  if (first.value.type === "error") {
    onDone({ status: first.value.failure.status, model: undefined, attempts: first.value.failure.attempts.length });
    return failureResponse(c, first.value.failure);
  }
  before.push(first.value);
  const known = first.value.type === "end" ? { model: first.value.answer.model, attempts: first.value.answer.attempts } : source.known();
  for (const [name, value] of Object.entries(replyHeaders(known))) c.header(name, value);
  return streamSSE(c, async (sse) => {
    let ended = false;
    sse.onAbort(() => {
      if (!ended) controller.abort();
    });
    const write = async (messages: SSEMessage[]): Promise<void> => {
      for (const message of messages) await sse.writeSSE(message);
    };
    await write(writer.start(known.model));
    const pending = [...before];
    for (;;) {
      const event = pending.shift() ?? (await iterator.next()).value;
      if (event === undefined) {
        await write(writer.fail({ status: 502, message: "the answer ended without a result", type: "server_error", code: "upstream_failed", attempts: source.known().attempts }));
        break;
      }
      if (event.type === "end") {
        ended = true;
        await write(writer.end(event.answer));
        onDone({ status: 200, model: event.answer.model, attempts: event.answer.attempts.length });
        break;
      }
      if (event.type === "error") {
        ended = true;
        await write(writer.fail(event.failure));
        onDone({ status: event.failure.status, model: undefined, attempts: event.failure.attempts.length });
        break;
      }
      await write(writer.event(event));
    }
  });
}

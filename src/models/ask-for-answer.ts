import type { ModelSpec } from "../ai/model-spec.js";
import type { Failure, Timeouts } from "../ai/types.js";
import { linkAbort } from "../shared/abort-link.js";
import type { AdapterSource } from "./route-request.js";

/** What a tiny real request found: milliseconds to the first sign of an answer, or why there was none. */
export interface AnswerCheck {
  /** null: no answer (the failure says why, or the stream ended with nothing). */
  ms: number | null;
  failure: Failure | undefined;
}

export interface AskOptions {
  /** Bounds other than the model's own. */
  timeouts?: Partial<Timeouts> | undefined;
  /** Cancels the request (the turn, the health round). */
  signal?: AbortSignal | undefined;
  /** Default 1: the first token is all that is asked for. */
  maxTokens?: number | undefined;
}

/** The one line every answer check sends (its first token is timed by `models status --first-token`). */
export const ANSWER_CHECK_PROMPT = "Reply with the single word: ok";

/**
 * One tiny real request to `model.baseUrl` ("Reply with the single word: ok"): the first event of an
 * answer (text, reasoning, a tool call or the response's end) is the model answering — the request is
 * cancelled there and the milliseconds to it returned. The one way hearth asks whether a model that
 * stalled answers again (the router's quick check, `models status --probe`, the health monitor) and
 * how `--first-token` is timed. Rejects only when the adapter cannot be loaded.
 */
export async function askForAnswer(adapters: AdapterSource, model: ModelSpec, options: AskOptions = {}): Promise<AnswerCheck> {
  const adapter = await adapters.get(model.api);
  const call = new AbortController();
  const unlink = linkAbort(options.signal, call);
  const started = performance.now();
  try {
    const stream = adapter.stream(model, { messages: [{ role: "user", content: ANSWER_CHECK_PROMPT }] }, { maxTokens: options.maxTokens ?? 1, signal: call.signal, ...(options.timeouts ? { timeouts: options.timeouts } : {}) });
    for await (const event of stream) {
      if (event.type === "text-delta" || event.type === "reasoning-delta" || event.type === "tool-call" || event.type === "response-end") {
        const ms = Math.round(performance.now() - started);
        call.abort();
        return { ms, failure: undefined };
      }
      if (event.type === "response-error") return { ms: null, failure: event.failure };
    }
    return { ms: null, failure: undefined };
  } finally {
    unlink();
  }
}

/**
 * Whether the model answers now on any of its replicas (each asked at once with `askForAnswer`):
 * true at the first answer, the other requests cancelled then; false once every replica has failed
 * or run out of time, or `signal` aborted.
 */
export async function answersOnAnyReplica(adapters: AdapterSource, model: ModelSpec, options: { timeouts: Partial<Timeouts>; signal?: AbortSignal | undefined }): Promise<boolean> {
  const all = new AbortController();
  const unlink = linkAbort(options.signal, all);
  try {
    const answered = await Promise.all(
      model.replicas.map(async (baseUrl) => {
        const check = await askForAnswer(adapters, { ...model, baseUrl }, { timeouts: options.timeouts, signal: all.signal });
        if (check.ms !== null) all.abort();
        return check.ms !== null;
      }),
    );
    return answered.some(Boolean) && options.signal?.aborted !== true;
  } finally {
    unlink();
  }
}

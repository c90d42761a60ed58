import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { Failure, Timeouts } from "../types.js";
import { describeNetworkError, networkFailure } from "./network-errors.js";

export interface HttpRequest {
  url: string;
  method: "GET" | "POST";
  headers: Readonly<Record<string, string>>;
  body?: string | undefined;
  timeouts: Timeouts;
  /** Overrides timeouts.firstByteMs, read each time the limit is checked (it may be raised mid-call). */
  firstByteLimit?: { ms: number } | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, chunk by chunk; throws a `FailureError` on idle timeout, abort or a broken connection. */
  body: AsyncIterable<Buffer>;
  /** Reads the whole body as text (for error bodies and JSON answers). */
  text(limitBytes?: number): Promise<string>;
  /** Stops reading and frees the connection. */
  close(): void;
  /**
   * The first token arrived: from now on the idle limit applies. Until then, silence after the headers
   * counts against the first-byte limit (servers that send headers at once still prefill before the
   * first token).
   */
  markStreaming(): void;
}

export type HttpResult = { ok: true; response: HttpResponse } | { ok: false; failure: Failure };

/** A failure carried through a throw inside this layer; adapters turn it back into a value. */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/**
 * HTTP with the three timeouts that matter for model servers, each on its own: connect, first byte
 * (headers), and idle between body chunks — plus an optional total. The official SDKs' single
 * timeout covers only the wait for headers, so a stream that stalls midway would hang forever.
 * Keeps connections alive (one agent per client instance) so a local server is not re-dialled per call.
 */
export class HttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  /** `lookup` replaces DNS resolution (tests inject failures without sending a query). */
  constructor(private readonly options: { lookup?: LookupFunction } = {}) {}

  request(request: HttpRequest): Promise<HttpResult> {
    return new Promise((resolve) => {
      const url = new URL(request.url);
      const secure = url.protocol === "https:";
      const { timeouts, signal } = request;
      const timers = new Set<NodeJS.Timeout>();
      const startTimer = (ms: number, onFire: () => void): NodeJS.Timeout | undefined => {
        if (ms <= 0) return undefined;
        const timer = setTimeout(() => {
          timers.delete(timer);
          onFire();
        }, ms);
        timers.add(timer);
        return timer;
      };
      const stopTimer = (timer: NodeJS.Timeout | undefined): void => {
        if (!timer) return;
        clearTimeout(timer);
        timers.delete(timer);
      };
      const clearAll = (): void => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
      };
      let settled = false;
      const fail = (failure: Failure): void => {
        if (settled) return;
        settled = true;
        clearAll();
        signal?.removeEventListener("abort", onAbort);
        resolve({ ok: false, failure });
      };
      if (signal?.aborted) {
        fail({ kind: "aborted", message: "the call was cancelled" });
        return;
      }

      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const outgoing = (secure ? https : http).request(url, {
        method: request.method,
        agent: secure ? this.httpsAgent : this.httpAgent,
        ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
        headers: { ...request.headers, ...(body ? { "content-length": String(body.length) } : {}) },
      });

      const firstByteMs = (): number => request.firstByteLimit?.ms ?? timeouts.firstByteMs;
      let firstByteTimer: NodeJS.Timeout | undefined;
      const startFirstByte = (): void => {
        const sentAt = performance.now();
        const arm = (delay: number): void => {
          firstByteTimer = startTimer(delay, () => {
            const waited = performance.now() - sentAt;
            if (waited < firstByteMs()) {
              arm(Math.max(1, Math.ceil(firstByteMs() - waited)));
              return;
            }
            const failure: Failure = {
              kind: "timeout",
              phase: "first-byte",
              message: `no answer within ${seconds(firstByteMs())} of sending the request (the server may be loading the model or stuck)`,
            };
            outgoing.destroy(new FailureError(failure));
          });
        };
        arm(firstByteMs());
      };
      outgoing.on("socket", (socket) => {
        if (!socket.connecting) {
          startFirstByte();
          return;
        }
        const connectTimer = startTimer(timeouts.connectMs, () => {
          outgoing.destroy(new FailureError({ kind: "timeout", phase: "connect", message: `could not connect to ${url.host} within ${seconds(timeouts.connectMs)}` }));
        });
        socket.once(secure ? "secureConnect" : "connect", () => {
          stopTimer(connectTimer);
          startFirstByte();
        });
      });
      const totalTimer = startTimer(timeouts.totalMs, () => {
        outgoing.destroy(new FailureError({ kind: "timeout", phase: "total", message: `the call took longer than ${seconds(timeouts.totalMs)} in all` }));
      });

      const onAbort = (): void => {
        outgoing.destroy(new FailureError({ kind: "aborted", message: "the call was cancelled" }));
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      outgoing.on("error", (error) => {
        if (settled) return;
        fail(error instanceof FailureError ? error.failure : networkFailure(error, url));
      });

      outgoing.on("response", (incoming) => {
        stopTimer(firstByteTimer);
        settled = true;
        resolve({
          ok: true,
          response: wrapResponse(incoming, { timeouts, firstByteMs, startTimer, stopTimer, clearAll, detach: () => signal?.removeEventListener("abort", onAbort), totalTimer }),
        });
      });

      outgoing.end(body);
    });
  }

  /** Frees idle keep-alive connections (at shutdown). */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

interface ResponseTimers {
  timeouts: Timeouts;
  firstByteMs: () => number;
  startTimer: (ms: number, onFire: () => void) => NodeJS.Timeout | undefined;
  stopTimer: (timer: NodeJS.Timeout | undefined) => void;
  clearAll: () => void;
  detach: () => void;
  totalTimer: NodeJS.Timeout | undefined;
}

function wrapResponse(incoming: IncomingMessage, timers: ResponseTimers): HttpResponse {
  let consumed = false;
  let streaming = false;
  const finish = (): void => {
    timers.clearAll();
    timers.detach();
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    if (consumed) throw new Error("the response body was already read");
    consumed = true;
    // One timer for the idle limit, re-armed only when it fires early: cheaper than a new timer per chunk.
    let lastChunkAt = performance.now();
    let idleTimer: NodeJS.Timeout | undefined;
    const limit = (): number => (streaming ? timers.timeouts.idleMs : Math.max(timers.timeouts.idleMs, timers.firstByteMs()));
    const armIdle = (delay: number): void => {
      if (delay <= 0) return;
      idleTimer = timers.startTimer(delay, () => {
        const silent = performance.now() - lastChunkAt;
        if (silent < limit()) {
          armIdle(Math.max(1, Math.ceil(limit() - silent)));
          return;
        }
        const failure: Failure = streaming
          ? { kind: "timeout", phase: "idle", message: `the server went silent for ${seconds(limit())} in the middle of its answer` }
          : { kind: "timeout", phase: "first-byte", message: `no token within ${seconds(limit())} of the answer starting (the server may be loading the model or stuck)` };
        incoming.destroy(new FailureError(failure));
      });
    };
    try {
      armIdle(limit());
      for await (const chunk of incoming) {
        lastChunkAt = performance.now();
        yield chunk as Buffer;
      }
      if (!incoming.complete) {
        throw new FailureError({ kind: "stream-broken", message: "the connection closed before the answer was complete" });
      }
    } catch (error) {
      if (error instanceof FailureError) throw error;
      throw new FailureError({ kind: "stream-broken", message: `the connection broke in the middle of the answer (${describeNetworkError(error)})` });
    } finally {
      timers.stopTimer(idleTimer);
      finish();
      if (!incoming.complete) incoming.destroy();
    }
  }
  const body = chunks();
  return {
    status: incoming.statusCode ?? 0,
    headers: incoming.headers,
    body,
    async text(limitBytes = 1024 * 1024): Promise<string> {
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        size += chunk.length;
        if (size > limitBytes) {
          incoming.destroy();
          break;
        }
        parts.push(chunk);
      }
      return Buffer.concat(parts).toString("utf8");
    },
    close(): void {
      finish();
      incoming.destroy();
    },
    markStreaming(): void {
      streaming = true;
    },
  };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

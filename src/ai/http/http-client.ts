import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { urlToHttpOptions } from "node:url";
import type { Failure, Timeouts } from "../types.js";
import { BodyReader, type ChunkSource } from "./body-reader.js";
import { describeNetworkError, networkFailure } from "./network-errors.js";
import { timerDelay } from "../../shared/timer-delay.js";

export interface HttpRequest {
  url: string;
  method: "GET" | "POST";
  headers: Readonly<Record<string, string>>;
  /** Text, sent as UTF-8: one string, or pieces written one after another (a long session's prompt; see `WireBody`). */
  body?: string | { chunks: readonly string[]; bytes: number } | undefined;
  timeouts: Timeouts;
  /** Overrides timeouts.firstByteMs, read each time the limit is checked (it may be raised mid-call). */
  firstByteLimit?: { ms: number } | undefined;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, chunk by chunk; throws a `FailureError` on a timeout, an abort or a broken connection. */
  body: AsyncIterable<Buffer>;
  /** Reads the whole body as text (for error bodies and JSON answers), at most `limitBytes`. */
  text(limitBytes?: number): Promise<string>;
  /** Stops reading and frees the connection. */
  close(): void;
  /**
   * A token (or part of a tool call) arrived. The wait for the first one counts against the
   * first-byte limit from when the request was sent; after it, the idle limit runs from the latest.
   * Only this resets the clocks: keep-alive comments and pings that carry no token do not.
   */
  markActivity(): void;
}

/** A URL requests go to, parsed (HttpClient.target). */
interface Target {
  url: URL;
  secure: boolean;
  /** Host, port, path and credentials as Node's request options (what `http.request(url)` makes of the URL each time). */
  where: http.RequestOptions;
}

/** URLs whose parsing is kept; past this many (a test making ever new servers) the memory starts again. */
const MAX_TARGETS = 256;

export type HttpResult = { ok: true; response: HttpResponse } | { ok: false; failure: Failure };

/** A failure carried through a throw inside this layer; adapters turn it back into a value. */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/**
 * HTTP with the limits that matter for model servers, each on its own: connect, first token (the
 * server may be loading the model, then reading the prompt), idle between tokens, and an optional
 * total. The official SDKs' single timeout covers only the wait for headers, so a stream that stalls
 * midway would hang forever. Keeps connections alive (one agent per client instance).
 */
export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly targets = new Map<string, Target>();

  /**
   * `lookup` replaces DNS resolution (tests inject failures without sending a query).
   * `idleSocketMs` is how long an unused kept-alive connection is kept: below the 5 s most servers
   * close theirs after (llama.cpp, uvicorn, Node), and lower still when a server's `Keep-Alive:
   * timeout=N` says so (Node reads that hint only when an agent timeout is set).
   */
  constructor(private readonly options: { lookup?: LookupFunction; idleSocketMs?: number } = {}) {
    // Up to 256 calls at once to one server (64 made a gateway's 65th concurrent stream wait in this
    // client for another stream to end, its wait not even counted by the first-token limit); a model
    // server queues what it cannot run in parallel itself.
    const pool = { keepAlive: true, maxSockets: 256, timeout: options.idleSocketMs ?? 4_000 };
    this.httpAgent = new http.Agent(pool);
    this.httpsAgent = new https.Agent(pool);
  }

  request(request: HttpRequest): Promise<HttpResult> {
    return new Promise((resolve) => {
      const call = new Call(request, resolve);
      if (request.signal?.aborted) {
        call.fail({ kind: "aborted", message: "the call was cancelled" });
        return;
      }
      const { url, secure, where } = this.target(request.url);
      // The body goes out as the text it is (UTF-8): no copy of a long session's whole prompt per call.
      const body = request.body;
      const length = body === undefined ? undefined : typeof body === "string" ? Buffer.byteLength(body) : body.bytes;
      // A kept-alive connection the server closed meanwhile fails at once, before any answer: the
      // request is sent again, on the next kept connection or a new one. A new connection's failure is final.
      const send = (): void => {
        const outgoing = (secure ? https : http).request({
          ...where,
          method: request.method,
          agent: secure ? this.httpsAgent : this.httpAgent,
          ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
          headers: { ...request.headers, ...(length === undefined ? {} : { "content-length": String(length) }) },
        });
        call.attach(outgoing, { url, secure, resend: send });
        if (typeof body === "object") {
          // Written in one go before the connection is handed over: Node sends the pieces in one writev.
          for (const chunk of body.chunks) outgoing.write(chunk);
          outgoing.end();
        } else {
          outgoing.end(body);
        }
      };
      call.start();
      send();
    });
  }

  /**
   * Where a URL's requests go, parsed once per URL (a gateway sends every request to a few): the URL
   * itself, and the options Node would make of it for each request.
   */
  private target(address: string): Target {
    const known = this.targets.get(address);
    if (known) return known;
    const url = new URL(address);
    const target: Target = { url, secure: url.protocol === "https:", where: urlToHttpOptions(url) };
    if (this.targets.size >= MAX_TARGETS) this.targets.clear();
    this.targets.set(address, target);
    return target;
  }

  /** Frees idle keep-alive connections (at shutdown). */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** How long a body left unread after its answer is read on for its end before its connection is closed. */
export const RELEASE_DRAIN_MS = 2_000;

/** Errors a kept-alive connection gives when the server had closed it before the request reached it. */
const STALE_CONNECTION_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** One exchange: its timers, its abort listener, and whichever stream (request or response) is live. */
class Call {
  private readonly timers = new Set<NodeJS.Timeout>();
  private settled = false;
  private outgoing: http.ClientRequest | undefined;
  private incoming: IncomingMessage | undefined;
  private sentAt = 0;
  private lastActivity = 0;
  private streaming = false;
  /** The first-token, then idle, timer: one chain per exchange, restarted when the request is sent again. */
  private watchdog: NodeJS.Timeout | undefined;
  /** The connection was made: an error now is the server dropping it, not the server being out of reach. */
  private connected = false;
  private readonly onAbort = (): void => this.destroy({ kind: "aborted", message: "the call was cancelled" });

  constructor(
    private readonly request: HttpRequest,
    private readonly resolve: (result: HttpResult) => void,
  ) {}

  fail(failure: Failure): void {
    if (this.settled) return;
    this.settled = true;
    this.finish();
    this.resolve({ ok: false, failure });
  }

  /** The limits and the cancel that hold over the whole exchange, whichever connection carries it. */
  start(): void {
    const { timeouts, signal } = this.request;
    this.timer(timeouts.totalMs, () => this.destroy({ kind: "timeout", phase: "total", message: `the call took longer than ${seconds(timeouts.totalMs)} in all` }));
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  attach(outgoing: http.ClientRequest, target: { url: URL; secure: boolean; resend: () => void }): void {
    const { url, secure } = target;
    this.outgoing = outgoing;
    const { timeouts } = this.request;
    outgoing.on("socket", (socket) => {
      if (!socket.connecting) {
        // A kept-alive connection is already made; a fresh socket that is not connecting failed at once (DNS).
        this.connected = outgoing.reusedSocket;
        this.startWaiting();
        return;
      }
      const connectTimer = this.timer(timeouts.connectMs, () =>
        this.destroy({ kind: "timeout", phase: "connect", message: `could not connect to ${url.host} within ${seconds(timeouts.connectMs)}` }),
      );
      socket.once(secure ? "secureConnect" : "connect", () => {
        this.connected = true;
        this.stop(connectTimer);
        this.startWaiting();
      });
    });
    outgoing.on("error", (error) => {
      if (this.settled || this.outgoing !== outgoing) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (outgoing.reusedSocket && !(error instanceof FailureError) && code !== undefined && STALE_CONNECTION_CODES.has(code)) {
        target.resend();
        return;
      }
      this.fail(error instanceof FailureError ? error.failure : networkFailure(error, url, this.connected));
    });
    outgoing.on("response", (incoming) => {
      if (this.settled || this.outgoing !== outgoing) {
        incoming.destroy();
        return;
      }
      this.incoming = incoming;
      this.settled = true;
      this.resolve({ ok: true, response: this.wrap(incoming) });
    });
  }

  private firstByteMs(): number {
    return this.request.firstByteLimit?.ms ?? this.request.timeouts.firstByteMs;
  }

  /** One watchdog from the request sent: first the first-token limit, then the idle limit after each token. */
  private startWaiting(): void {
    this.stop(this.watchdog);
    this.sentAt = performance.now();
    this.lastActivity = this.sentAt;
    const limit = (): number => (this.streaming ? this.request.timeouts.idleMs : this.firstByteMs());
    const arm = (delay: number): void => {
      if (delay <= 0 && !this.streaming) return;
      this.watchdog = this.timer(Math.max(1, delay), () => {
        if (limit() <= 0) return;
        const silent = performance.now() - this.lastActivity;
        if (silent < limit()) {
          arm(Math.ceil(limit() - silent));
          return;
        }
        this.destroy(
          this.streaming
            ? { kind: "timeout", phase: "idle", message: `the server went silent for ${seconds(limit())} in the middle of its answer` }
            : {
                kind: "timeout",
                phase: "first-byte",
                message: `no answer within ${seconds(limit())} of sending the request (the server may be loading the model or stuck)`,
              },
        );
      });
    };
    arm(limit());
  }

  /** Ends the exchange with a failure, wherever it is: before the headers or in the middle of the body. */
  private destroy(failure: Failure): void {
    const error = new FailureError(failure);
    if (this.incoming) this.incoming.destroy(error);
    else this.outgoing?.destroy(error);
  }

  private timer(ms: number, onFire: () => void): NodeJS.Timeout | undefined {
    if (ms <= 0) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      onFire();
    }, timerDelay(ms));
    this.timers.add(timer);
    return timer;
  }

  private stop(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private finish(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.request.signal?.removeEventListener("abort", this.onAbort);
  }

  private wrap(incoming: IncomingMessage): HttpResponse {
    const finish = (): void => this.finish();
    const activity = (): void => {
      this.streaming = true;
      this.lastActivity = performance.now();
    };
    // A body that came whole keeps its connection for the next call. One the reader left before its end
    // (an adapter stops at `data: [DONE]`, while the end of the chunked body is still on its way) is read
    // to its end, so the connection serves the next call too — closing it there cost a new connection
    // for one call in ten under load; a body that does not end within RELEASE_DRAIN_MS is cut. A call
    // cancelled or broken was cut already (`destroy`).
    let draining = false;
    const release = (): void => {
      if (incoming.complete || incoming.destroyed) {
        incoming.resume();
        return;
      }
      if (draining) return;
      draining = true;
      const cut = setTimeout(() => {
        if (!incoming.complete) incoming.destroy();
      }, RELEASE_DRAIN_MS);
      cut.unref();
      const done = (): void => clearTimeout(cut);
      incoming.once("end", done);
      incoming.once("close", done);
      incoming.resume();
    };
    const reader = new BodyReader(incoming, {
      failure: (error) => {
        if (error instanceof FailureError) return error;
        const code = (error as NodeJS.ErrnoException | undefined)?.code;
        return new FailureError({ kind: "stream-broken", message: `the connection broke in the middle of the answer${code ? ` (${code})` : ` (${describeNetworkError(error)})`}` });
      },
      incomplete: () => (incoming.complete ? undefined : new FailureError({ kind: "stream-broken", message: "the connection closed before the answer was complete" })),
      onDone: () => {
        finish();
        release();
      },
    });
    // Not `incoming.iterator()` in a generator: two promise chains per chunk (see BodyReader).
    const body = new ReadOnce(reader);
    return {
      status: incoming.statusCode ?? 0,
      headers: incoming.headers,
      body,
      async text(limitBytes = 1024 * 1024): Promise<string> {
        const parts: Buffer[] = [];
        let size = 0;
        for await (const chunk of body) {
          size += chunk.length;
          if (size > limitBytes) throw new FailureError({ kind: "bad-request", message: `the answer is larger than ${limitBytes} bytes` });
          parts.push(chunk);
        }
        return Buffer.concat(parts).toString("utf8");
      },
      close(): void {
        finish();
        release();
      },
      markActivity: activity,
    };
  }
}

/**
 * A body's one read (a second is a fault): iterated, or each chunk handed on as it comes (an SSE
 * reader: no promise per chunk). A class, not an object literal with a computed
 * `[Symbol.asyncIterator]` key: such a literal is built by a runtime call per response.
 */
class ReadOnce implements AsyncIterable<Buffer>, ChunkSource {
  private consumed = false;

  constructor(private readonly reader: BodyReader) {}

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.consume();
    return this.reader;
  }

  eachChunk(onChunk: (chunk: Buffer) => boolean | undefined): Promise<boolean> {
    this.consume();
    return this.reader.eachChunk(onChunk);
  }

  private consume(): void {
    if (this.consumed) throw new Error("the response body was already read");
    this.consumed = true;
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

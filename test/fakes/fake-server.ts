// A real HTTP server on 127.0.0.1 (ephemeral port, node:http only) that answers each request with a
// scripted Reply: a JSON body, an SSE stream written frame by frame, raw text or bytes, or a failure the way
// real model servers fail (no answer at all, a reset before or after the headers, a stream that stalls).
//
// SSE framing follows the WHATWG "server-sent events" format as the OpenAI, Anthropic and LM Studio
// servers use it: `event: NAME\n` (only when a name is given), then `data: ...\n`, then a blank line.
// Every frame is a separate write, awaited before the next one, so clients see frames arrive one by one.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, else the raw text ("" when there is no body). */
  body: unknown;
}

export type Reply =
  | { kind: "json"; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | {
      kind: "sse";
      status?: number;
      headers?: Record<string, string>;
      frames: readonly SseFrame[];
      frameDelayMs?: number;
      headersDelayMs?: number;
      /** after the frames: end normally (default), hang forever with the connection open, or destroy the socket */
      after?: "end" | "hang" | "reset";
      /**
       * After the frames the server stops listening (its port refuses connections from then on), as a killed
       * server's does, before `after` deals with the connection it took: a killed llama-server's is reset at
       * once (SIGKILL) or held open and silent for ~30 s (SIGTERM, its shutdown).
       */
      dies?: boolean;
    }
  | { kind: "hang-before-headers" } // accept the request, never answer
  | { kind: "reset-before-headers" } // destroy the socket after reading the request
  | {
      kind: "raw";
      status?: number;
      headers?: Record<string, string>;
      /** written one by one as given: bytes may split a UTF-8 character or a line anywhere */
      chunks: readonly (string | Uint8Array)[];
      after?: "end" | "hang" | "reset";
      frameDelayMs?: number;
    };

export interface SseFrame {
  event?: string;
  /** already-serialized */
  data: string;
}

export type Handler = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface FakeServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** url + "/v1" */
  baseUrl: string;
  requests: RecordedRequest[];
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/** The exact bytes of one SSE frame. */
export function serializeSseFrame(frame: SseFrame): string {
  return `${frame.event === undefined ? "" : `event: ${frame.event}\n`}data: ${frame.data}\n\n`;
}

/** Frames from JSON values, each with `event:` set to the value's `type` (OpenAI Responses / Anthropic style). */
export function typedFrames<T extends { type: string }>(events: readonly T[], eventLines = true): SseFrame[] {
  return events.map((event) => (eventLines ? { event: event.type, data: JSON.stringify(event) } : { data: JSON.stringify(event) }));
}

/** A streamed reply as the fake writes it. */
interface StreamedReply {
  status: number;
  headers: Record<string, string>;
  chunks: readonly (string | Uint8Array)[];
  delayMs: number | undefined;
  after: "end" | "hang" | "reset" | undefined;
  dies?: boolean;
}

/** `options.port`: listen on that port (a server coming back where one was down); default an ephemeral one. */
export async function startFakeServer(handler: Handler, options: { port?: number } = {}): Promise<FakeServer> {
  let current: Handler = handler;
  let closed = false;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`; never resolves once the server is closed (pending promises hold no handle). */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (closed) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    void serve(req, res);
  });
  server.on("connection", (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: { ...req.headers },
      body: parseBody(text),
    };
    requests.push(recorded);
    let reply: Reply;
    try {
      reply = await current(recorded);
    } catch (error) {
      reply = { kind: "json", status: 500, body: { error: `fake server handler threw: ${String(error)}` } };
    }
    if (closed) return;
    await send(reply, req, res);
  }

  const alive = (res: ServerResponse): boolean => !closed && !res.destroyed && !res.writableEnded;

  const write = (res: ServerResponse, chunk: string | Uint8Array): Promise<void> =>
    new Promise((resolve) => {
      if (!alive(res)) return resolve();
      res.write(chunk, () => resolve());
    });

  async function send(reply: Reply, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (reply.kind) {
      case "hang-before-headers":
        return;
      case "reset-before-headers":
        req.socket.destroy();
        return;
      case "json": {
        if (reply.delayMs) await sleep(reply.delayMs);
        if (!alive(res)) return;
        const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          "content-type": "application/json; charset=utf-8",
          "content-length": String(Buffer.byteLength(body)),
          ...reply.headers,
        });
        res.end(body);
        return;
      }
      case "sse": {
        if (reply.headersDelayMs) await sleep(reply.headersDelayMs);
        const chunks = reply.frames.map(serializeSseFrame);
        const headers = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", ...reply.headers };
        await stream(res, { status: reply.status ?? 200, headers, chunks, delayMs: reply.frameDelayMs, after: reply.after, dies: reply.dies === true });
        return;
      }
      case "raw": {
        const headers = { "content-type": "text/event-stream", ...reply.headers };
        await stream(res, { status: reply.status ?? 200, headers, chunks: reply.chunks, delayMs: reply.frameDelayMs, after: reply.after });
        return;
      }
    }
  }

  /** Streams `chunks` (`delayMs` apart; else a turn of the event loop), then ends, hangs or resets (`after`); `dies`: the server's port closes after the last one. */
  async function stream(res: ServerResponse, reply: StreamedReply): Promise<void> {
    const { status, headers, chunks, delayMs, after, dies = false } = reply;
    if (!alive(res)) return;
    res.writeHead(status, headers);
    res.flushHeaders();
    for (const [index, chunk] of chunks.entries()) {
      if (index > 0) {
        if (delayMs) await sleep(delayMs);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      await write(res, chunk);
    }
    if (!alive(res)) return;
    if (dies) {
      // The last frame leaves before the port closes (a later close() of the fake finds it closed already: no matter).
      await new Promise((resolve) => setImmediate(resolve));
      server.close();
    }
    if (after === "hang") return;
    if (after === "reset") {
      // Let the last frame leave before the socket is torn down mid-body (no terminating chunk).
      await new Promise((resolve) => setImmediate(resolve));
      res.socket?.destroy();
      return;
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}/v1`,
    requests,
    setHandler(next) {
      current = next;
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return done;
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function refusedUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", () => resolve(Buffer.concat(parts).toString("utf8")));
  });
}

function parseBody(text: string): unknown {
  if (text === "") return "";
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

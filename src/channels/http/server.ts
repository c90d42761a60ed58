import { getRequestListener, RequestError } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GatewayPort } from "../../gateway/port.js";
import { corsMiddleware } from "./cors.js";
import { connectionCaps, type ConnectionCapsOptions } from "./connection-caps.js";
import { isHearthError } from "../../shared/errors.js";
import { VERSION } from "../../shared/version.js";
import { allowedMethods } from "./allowed-methods.js";
import { apiRoutes, type ChannelView } from "./api-routes.js";
import { bearerAuth } from "./auth.js";
import { errorBody } from "./errors.js";
import { limitRaisedPending, type PendingSettings } from "./pending-settings.js";
import { eventsRoute } from "./events-route.js";
import type { HttpLogger } from "./logger.js";
import { hostJudge, passesQuietly, requestGuard } from "./request-guard.js";
import { tokenCheck } from "./auth.js";
import type { NodeFront } from "./proxy-front.js";
import { requestLogger } from "./request-log.js";
import { stampArrival } from "./request-arrival.js";
import { stoppingGuard, type StoppingView } from "./stopping-guard.js";
import { TurnControls } from "./turn-controls.js";
import { answerMalformed } from "./malformed-request.js";
import { writeWebResponse } from "./node-response.js";
import { FAULT_WORDS } from "./openai/answer-events.js";
import { docsPageOf, unservedEndpoint } from "./openai/unserved-endpoints.js";

export type { HttpLogger } from "./logger.js";

export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpLimits {
  /** Largest request body in bytes; larger ones get 413 (default 8 MiB). */
  maxBodyBytes?: number | undefined;
  /** Keep-alive comment interval on /api/events, in ms (default 15 s). */
  keepAliveMs?: number | undefined;
  /** Most /api/events streams served at once; past it a new one is a 503 (default 500). */
  maxEventSubscribers?: number | undefined;
}

export interface HttpAppOptions {
  port: GatewayPort;
  /** The bearer token every endpoint but /health requires; absent: none. */
  auth?: { token?: string | undefined } | undefined;
  limits?: HttpLimits | undefined;
  logger: HttpLogger;
  /** Origins allowed by CORS; empty or absent: CORS off (no Access-Control headers at all). Pages of other origins are refused. */
  corsOrigins?: readonly string[] | undefined;
  /** The address the server listens on, for the Host names it answers to (default 127.0.0.1: loopback names only). */
  bind?: string | undefined;
  /** Further host names it answers to (`gateway.allowedHosts`). */
  allowedHosts?: readonly string[] | undefined;
  /** Default: hearth's version. */
  version?: string | undefined;
  /** Aborted when the process shuts down: live event streams end (with a `stopping` event) so the server can close. */
  shutdown?: AbortSignal | undefined;
  /** The gateway's stop: once it has begun every request but /health is a 503 with `Connection: close` (stopping-guard.ts). */
  stop?: StoppingView | undefined;
  /** Which hearth this is (stateInstance: a hash of the state dir, never its path), said by /health; absent: not said. */
  instance?: string | undefined;
  /** Process start (ms since the epoch) for /health's uptime; default now. */
  startedAt?: number | undefined;
  /** When gateway.env's variables were last read (ms since the epoch), said by /health for doctor; absent: not said. */
  envReadAt?: (() => number) | undefined;
  /** The gateway settings changed in the config since the start, which it applies only when restarted (`restartNeeded` of /health; no value in them). */
  restartNeeded?: (() => readonly object[]) | undefined;
  /** The gateway settings the config holds now (since a reload; a restart applies them): a refusal whose fix is already there says so. Absent: refusals give their fix. */
  pending?: PendingSettings | undefined;
  /** The messaging channels for /api/status (WhatsApp: enabled, linked, its last state); absent: none. */
  channelStatus?: (() => readonly ChannelView[]) | undefined;
  /** hearth as the user ran it, with its `--config` (`./bin/hearth`): /api/status tells the page, whose hints name commands so; default `hearth`. */
  command?: string | undefined;
}

/**
 * The gateway's HTTP app: other websites kept out (request-guard.ts: Host and Origin), auth on
 * everything but /health, a body-size limit, CORS only when configured,
 * errors in OpenAI's JSON shape, and the routes of docs/gateway.md (/health, /api/*, /api/events).
 * Other channels mount their routes on it with `app.route("/", …)`.
 */
export function createHttpApp(options: HttpAppOptions): Hono {
  const { logger } = options;
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const version = options.version ?? VERSION;
  const startedAt = options.startedAt ?? Date.now();
  const app = new Hono();

  app.use(requestLogger(logger));
  app.use(stoppingGuard(options.stop));
  app.use(requestGuard({ bind: options.bind ?? "127.0.0.1", corsOrigins: options.corsOrigins, allowedHosts: options.allowedHosts, token: options.auth?.token, pending: options.pending }));
  const corsHeaders = corsMiddleware(options.corsOrigins ?? [], { nullWithToken: options.auth?.token !== undefined });
  if (corsHeaders) app.use(corsHeaders);
  app.use(bearerAuth(options.auth?.token, options.pending));
  const tooLarge = (c: Context): Response => {
    const raised = limitRaisedPending(options.pending, { key: "maxBodyBytes", limit: maxBodyBytes, needed: Number.parseInt(c.req.header("content-length") ?? "0", 10) || 0 });
    const refused = errorBody({ message: `the request body is larger than the gateway's limit of ${maxBodyBytes} bytes (gateway.limits.maxBodyBytes)${raised === undefined ? "" : `; ${raised}`}`, type: "invalid_request_error", code: "request_too_large" });
    // The limit as a number too: a client (the web chat) says by how much its request went past it.
    return c.json({ error: { ...refused.error, limit_bytes: maxBodyBytes } }, 413);
  };
  const limit = bodyLimit({ maxSize: maxBodyBytes, onError: tooLarge });
  app.use((c, next) => {
    // A POST that says its length is judged by it, as bodyLimit does, without touching `c.req.raw.body`:
    // that builds the whole web Request on Node (~0.1 ms a request); the body is then read straight.
    const length = c.req.method === "POST" ? c.req.header("content-length") : undefined;
    if (length === undefined || c.req.header("transfer-encoding") !== undefined) return limit(c, next);
    return Number.parseInt(length || "0", 10) > maxBodyBytes ? Promise.resolve(tooLarge(c)) : next();
  });

  app.get("/health", (c) => {
    const stop = options.stop;
    // Alive or not, to any Host (a liveness check by any name); what it runs, since when and where, only to the names it answers to.
    if (c.get("foreignHost")) return c.json({ status: stop?.stopping ? "stopping" : "ok" }, stop?.stopping ? 503 : 200);
    const stopping = stop?.stopping ? { stopping: stop.counts } : {};
    const body = { status: stop?.stopping ? "stopping" : "ok", service: "hearth", version, startedAt: new Date(startedAt).toISOString(), uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000), ...(options.envReadAt ? { envReadAt: new Date(options.envReadAt()).toISOString() } : {}), ...(options.restartNeeded ? { restartNeeded: options.restartNeeded() } : {}), ...(options.instance === undefined ? {} : { instance: options.instance }), problems: options.port.setupProblems().length, ...stopping };
    return c.json(body, stop?.stopping ? 503 : 200);
  });
  const controls = new TurnControls();
  app.route("/api", apiRoutes({ port: options.port, version, controls, logger, channelStatus: options.channelStatus, command: options.command }));
  app.route("/api", eventsRoute({ port: options.port, keepAliveMs: options.limits?.keepAliveMs ?? 15_000, maxSubscribers: options.limits?.maxEventSubscribers, pending: options.pending, shutdown: options.shutdown, stop: options.stop }));

  // Answered once every route is in (channels mount theirs after this): a path that exists for other methods is a 405 naming them;
  // an OPTIONS of it (a plain one, or a preflight no CORS setting answered: a page of the gateway's own origin) its methods, 204.
  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      const allow = [...allowed, "OPTIONS"].join(", ");
      if (c.req.method === "OPTIONS") return c.body(null, 204, { allow });
      const message = `${c.req.method} ${c.req.path}: this endpoint takes ${allowed.filter((method) => method !== "HEAD").join(", ")} (see ${docsPageOf(c.req.path)})`;
      return c.json(errorBody({ message, type: "invalid_request_error", code: "method_not_allowed" }), 405, { allow });
    }
    const instead = unservedEndpoint(c.req.path);
    return c.json(errorBody({ message: `no such endpoint: ${c.req.method} ${c.req.path}${instead ? ` — ${instead}` : ""} (see ${docsPageOf(c.req.path)})`, type: "not_found_error", code: "not_found" }), 404);
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status;
      return c.json(errorBody({ message: error.message || "bad request", type: status === 401 ? "authentication_error" : "invalid_request_error", code: String(status) }), status);
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, "request failed");
    // hearth's own errors say what is wrong, where, and the fix (a sessions/ that is a file…): shown as they are.
    if (isHearthError(error)) return c.json(errorBody({ message: [error.message, ...error.details].join(" — "), type: "server_error", code: "hearth_error" }), 500);
    return c.json(errorBody({ message: "the gateway failed on this request; its log has the details", type: "server_error", code: "internal_error" }), 500);
  });
  return app;
}

/**
 * Whether the app's middleware (above) would pass a request on to its route without a word and
 * without adding a header: no stop under way, no CORS configured, the request guard's checks passed
 * quietly, the token carried (if one is set), a stated body length within the limit. The proxy front
 * (proxy-front.ts) serves only such requests itself.
 */
export function frontGate(options: Pick<HttpAppOptions, "auth" | "limits" | "corsOrigins" | "bind" | "allowedHosts" | "stop">): (incoming: IncomingMessage) => boolean {
  const maxBodyBytes = options.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const answersTo = hostJudge({ bind: options.bind ?? "127.0.0.1", allowedHosts: options.allowedHosts });
  const carries = tokenCheck(options.auth?.token);
  const cors = (options.corsOrigins?.length ?? 0) > 0;
  return (incoming) => {
    if (cors || options.stop?.stopping) return false;
    const headers = incoming.headers;
    const length = headers["content-length"];
    if (length === undefined || headers["transfer-encoding"] !== undefined || Number.parseInt(length || "0", 10) > maxBodyBytes) return false;
    return passesQuietly(answersTo, { host: headers.host, origin: headers.origin, "sec-fetch-site": single(headers["sec-fetch-site"]) }) && carries(headers.authorization);
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

export interface ServeOptions {
  app: Hono;
  /** Takes the requests it serves itself before Hono (the proxy front); absent: Hono takes every request. */
  front?: NodeFront | undefined;
  host: string;
  port: number;
  /** Slow clients: time to send the headers, and the whole request (not the answer), in ms. */
  headersTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
  /** Where a fault past the app's own error handler is logged (the client is told where to look). */
  logger?: Pick<HttpLogger, "error"> | undefined;
  /** What each request's arrival is stamped with, and its log line's `ms` counted by (ms; default performance.now). */
  clock?: (() => number) | undefined;
  /** How many connections a client of the network may hold (connection-caps.ts); default: 64 a client, 1024 in all, loopback never counted. */
  connections?: ConnectionCapsOptions | undefined;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:18790 (IPv6 hosts in brackets). */
  url: string;
  port: number;
  /** Stops accepting connections and closes idle ones; resolves when every open request has ended. */
  close(): Promise<void>;
  /** Ends every connection at once, requests in flight included. */
  closeAll(): void;
}

/**
 * A request whose body is still arriving when the server closes: a 503 in the API's error shape when
 * its answer has not begun (then the connection closes), else the connection closed at once.
 */
function endUpload(request: IncomingMessage, response: ServerResponse): void {
  if (response.headersSent || response.writableEnded) {
    request.socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody({ message: "the gateway is stopping: this request's body was still arriving, and it is not waited for; send it again once the gateway is back", type: "server_error", code: "gateway_stopping" }));
  response.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body), connection: "close", "retry-after": "1" });
  response.end(body, () => request.socket.destroy());
}

/**
 * What @hono/node-server answers when it cannot make a request of what Node read (no Host, a Host that
 * is no host, a path that is no path) or the app threw past its own error handler: in OpenAI's error
 * shape, as every other error of the gateway — not its bare 400 or 500 with no body.
 */
function unreadableRequest(error: unknown, logger: Pick<HttpLogger, "error"> | undefined): Response {
  const request = error instanceof RequestError;
  if (!request) logger?.error({ err: error }, "request failed past the app's error handler");
  const message = request ? readWords(error.message) : `hearth could not serve this request: ${FAULT_WORDS}`;
  return Response.json(errorBody({ message, type: request ? "invalid_request_error" : "server_error", code: request ? "bad_request" : "internal_error" }), { status: request ? 400 : 500, headers: { connection: "close" } });
}

/** @hono/node-server's words for a request it cannot read, as the client is told them (its "Invalid URL": the Host and the path make none). */
function readWords(said: string): string {
  const words = said === "Invalid host header" ? "its Host header is no host name" : said === "Invalid URL" ? "its Host header and path make no URL (a Host that is no host name?)" : `${said.charAt(0).toLowerCase()}${said.slice(1)}`;
  return `the request cannot be read: ${words}`;
}

/** Headers a request carries once (RFC 9112: a server answers 400 to more than one Host), whose checks read one value. */
const SINGLE_HEADERS = ["host", "authorization"];

/** Words for a header of SINGLE_HEADERS sent more than once, if one is. */
function repeatedSingleHeader(rawHeaders: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    if (!SINGLE_HEADERS.includes(name)) continue;
    if (seen.has(name)) return `it has more than one ${name === "host" ? "Host" : "Authorization"} header (a request carries one)`;
    seen.add(name);
  }
  return undefined;
}

/** Listens on host:port (Node's http server underneath); rejects when the address is taken or not ours. */
export function serveHttp(options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    // @hono/node-server's listener, as its serve() makes it, with the errors it answers itself in the API's shape.
    const hono = getRequestListener(options.app.fetch, { hostname: options.host, errorHandler: (error) => unreadableRequest(error, options.logger) });
    const front = options.front;
    const served: RequestListener = front ? (incoming, outgoing) => front(incoming, outgoing, () => void hono(incoming, outgoing)) : (incoming, outgoing) => void hono(incoming, outgoing);
    // An HTTP/1.1 request with no Host is refused here, as Node would (requireHostHeader), in the API's shape (Node's refusal has no body);
    // so is one with two Hosts or two Authorizations (Node keeps the first, @hono/node-server joins both: the checks must read one value).
    const clock = options.clock ?? (() => performance.now());
    const listener: RequestListener = (incoming, outgoing) => {
      stampArrival(incoming, clock);
      const problem = incoming.headers.host === undefined && incoming.httpVersion === "1.1" ? "Missing host header" : repeatedSingleHeader(incoming.rawHeaders);
      if (problem === undefined) served(incoming, outgoing);
      else void writeWebResponse(unreadableRequest(new RequestError(problem), options.logger), outgoing);
    };
    const http: Server = createServer({ headersTimeout: options.headersTimeoutMs ?? 30_000, requestTimeout: options.requestTimeoutMs ?? 120_000, requireHostHeader: false }, listener);
    http.on("connection", connectionCaps(options.connections));
    http.once("error", failed);
    http.listen(options.port, options.host, () => {
      http.off("error", failed);
      http.on("clientError", answerMalformed);
      const address = http.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      const closed = new Promise<void>((done) => http.once("close", () => done()));
      // Once closing, a connection whose response has gone out is ended, not kept alive for another
      // request; one whose request body is still arriving is closed (its client would hold it open).
      let closing = false;
      const open = new Map<IncomingMessage, ServerResponse>();
      http.on("request", (request: IncomingMessage, response: ServerResponse) => {
        open.set(request, response);
        // Answered before its body was all in (a 404, a 413): kept until the client stops sending.
        response.once("close", () => (request.complete ? open.delete(request) : request.socket.once("close", () => open.delete(request))));
        response.once("finish", () => {
          if (!closing) return;
          if (request.complete) request.socket.end();
          else request.socket.destroy();
        });
      });
      resolve({
        url: `http://${host}:${address.port}`,
        port: address.port,
        close: () => {
          closing = true;
          if (http.listening) http.close();
          http.closeIdleConnections();
          // The drain waits for answers, not for clients still sending a body (a slow upload is no turn).
          for (const [request, response] of open) if (!request.complete) endUpload(request, response);
          return closed;
        },
        closeAll: () => http.closeAllConnections(),
      });
    });
  });
}

import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { Context } from "hono";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpLogger } from "./logger.js";
import { writeWebResponse } from "./node-response.js";
import { sinceArrival } from "./request-arrival.js";
import { logRequest } from "./request-log.js";

/** A path the front serves: `take` says, from the request's parsed body, whether it answers it here, and how. */
export interface FrontRoute {
  /** The answer, or undefined to leave the request to Hono (which says what is wrong with it, or serves it another way). */
  take(body: unknown): ((c: Context) => Promise<Response>) | undefined;
  /** What the route's app answers an error thrown by the answer with (its onError). */
  onError(error: Error, c: Context): Response;
}

/** A Node request listener's stand-in: the request served here, or handed to `hono` (the app's own listener) as it came. */
export type NodeFront = (incoming: IncomingMessage, outgoing: ServerResponse, hono: () => void) => void;

export interface ProxyFrontOptions {
  /** By exact path (no query), for POST. */
  routes: ReadonlyMap<string, FrontRoute>;
  /** The request passes every check of the app's middleware without a word (frontGate): nothing for them to say or add. */
  admits(incoming: IncomingMessage): boolean;
  logger: HttpLogger;
}

/** The header RESPONSE_ALREADY_SENT carries (@hono/node-server's X_ALREADY_SENT). */
const ALREADY_SENT_HEADER = [...RESPONSE_ALREADY_SENT.headers.keys()][0] ?? "x-hono-already-sent";

/** The body as @hono/node-server's `text()` reads it (a byte-order mark dropped, bad bytes replaced). */
const decoder = new TextDecoder();

/**
 * The proxy path's front: a proxy-mode POST to /v1/chat/completions or /v1/responses that the
 * server core's middleware would pass without a word (no stop under way, a Host the gateway answers
 * to, no web page's Origin, the token if one is set, a body of a stated length within the limit, no
 * CORS configured) is read and answered here, by the route's own code, on a Hono Context made for it
 * — without @hono/node-server's web Request, Hono's router and middleware chain, or a Headers object
 * per request. The request's log line is the one requestLogger writes. Anything else — another path
 * or method, a request the middleware would refuse or add headers to, a body that does not parse, an
 * agent, an unknown model — goes to Hono as it came (a body already read is handed over as
 * `rawBody`, which @hono/node-server reads instead of the stream), and is answered as it always is.
 */
export function proxyFront(options: ProxyFrontOptions): NodeFront {
  return (incoming, outgoing, hono) => {
    const path = incoming.url ?? "";
    const route = incoming.method === "POST" ? options.routes.get(path) : undefined;
    if (!route || !options.admits(incoming)) return hono();
    const since = sinceArrival(incoming);
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => {
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      let answer: ((c: Context) => Promise<Response>) | undefined;
      try {
        answer = route.take(JSON.parse(decoder.decode(raw)) as unknown);
      } catch {
        answer = undefined;
      }
      if (!answer) {
        (incoming as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        return hono();
      }
      const c = new Context(frontRequest(incoming, path), { env: { incoming, outgoing }, path });
      const run = answer;
      const next = async (): Promise<void> => {
        try {
          c.res = await run(c);
        } catch (error) {
          c.res = route.onError(error instanceof Error ? error : new Error(String(error)), c);
        }
      };
      void logRequest(options.logger, { c, since, next })
        .then(() => (alreadySent(c.res) ? undefined : writeWebResponse(c.res, outgoing)))
        .catch((error: unknown) => {
          options.logger.error({ err: error, method: "POST", path }, "request failed");
          if (!outgoing.headersSent) outgoing.writeHead(500, { "content-type": "text/plain" });
          outgoing.end();
        });
    });
  };
}

/**
 * The request as a route reads it through the Context (`c.req.header`, `.text()`, `.method`, `.url`):
 * its headers read from Node's own, never made a Headers object. The body was read already.
 */
function frontRequest(incoming: IncomingMessage, path: string): Request {
  const headers = {
    get(name: string): string | null {
      const value = incoming.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
  return { method: "POST", url: `http://${incoming.headers.host ?? "localhost"}${path}`, headers } as unknown as Request;
}

/** The route wrote its answer itself (RESPONSE_ALREADY_SENT, or a copy Hono made of it). */
function alreadySent(response: Response): boolean {
  return response === RESPONSE_ALREADY_SENT || response.headers.has(ALREADY_SENT_HEADER);
}

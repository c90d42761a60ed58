import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { markedCors } from "./json-to-node.js";

/** What the gateway lets a page of an allowed origin read besides the body: the model, the attempts, the notices, agent mode's session. */
const EXPOSED_HEADERS = ["X-Hearth-Model", "X-Hearth-Attempts", "X-Hearth-Notice", "X-Hearth-Session"];

/**
 * A CORS preflight: the `OPTIONS` a browser sends by itself before a request of another origin, with
 * `Origin` and `Access-Control-Request-Method`. It never carries credentials (the Fetch standard), so
 * it is judged by its origin alone (request-guard.ts) and needs no token; the request after it does.
 * Any other `OPTIONS` is an ordinary request — it asks which methods a path takes — and is judged as
 * every request is: the token where one is set, then `204` with `Allow` (or the path's 404).
 */
export function isPreflight(request: { method: string; header(name: string): string | undefined }): boolean {
  return request.method === "OPTIONS" && request.header("origin") !== undefined && request.header("access-control-request-method") !== undefined;
}

/**
 * CORS headers for the pages of `origins` (compared exactly, as the browser sends them), and on a
 * gateway with a token for `Origin: null` too: such a request reaches its route only carrying the
 * token (request-guard.ts), and its page must then be able to read the answer. Undefined: CORS off,
 * no `Access-Control-*` header at all; with only `null` to answer, requests of other origins (and
 * of none) pass by without a header, so they keep the proxy front's path. A preflight of an allowed
 * origin is answered with the headers it asks for (`allowHeaders: []`: Hono then echoes
 * Access-Control-Request-Headers): the official SDKs send their own (`x-stainless-*`), and a fixed
 * list made the browser block them; the origin is what is judged, and the token still decides.
 * A plain `OPTIONS` (no preflight: see isPreflight) goes on to its route, with the origin's headers.
 */
export function corsMiddleware(origins: readonly string[], options: { nullWithToken: boolean }): MiddlewareHandler | undefined {
  if (origins.length === 0 && !options.nullWithToken) return undefined;
  const allowed = new Set(origins);
  const allowedOrigin = (origin: string): string | null => (allowed.has(origin) || (options.nullWithToken && origin === "null") ? origin : null);
  const headers = markedCors(cors({ origin: allowedOrigin, allowHeaders: [], exposeHeaders: EXPOSED_HEADERS, maxAge: 600 }));
  const answer: MiddlewareHandler = (c, next) => {
    // Hono's cors answers every OPTIONS as a preflight: a plain one gets the origin's headers here and its route's answer.
    if (c.req.method !== "OPTIONS" || isPreflight(c.req)) return headers(c, next);
    const origin = allowedOrigin(c.req.header("origin") ?? "");
    if (origin !== null) {
      c.set("corsHeaders", true);
      c.header("Access-Control-Allow-Origin", origin);
      c.header("Access-Control-Expose-Headers", EXPOSED_HEADERS.join(","));
    }
    c.header("Vary", "Origin", { append: true });
    return next();
  };
  if (origins.length > 0) return answer;
  return (c, next) => (c.req.header("origin") === "null" ? answer(c, next) : next());
}

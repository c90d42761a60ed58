import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { UNAUTHORIZED } from "./errors.js";

/**
 * Paths anyone may call, token or not: a service manager's liveness check, and the web chat page
 * itself and its icon (a browser cannot send a header when it opens a URL; the page holds no secret
 * and asks for the token before it calls /api).
 */
const OPEN_PATHS = new Set(["/health", "/", "/favicon.ico", "/favicon.svg"]);
const OPEN_PREFIXES = ["/assets/"];

/**
 * With a token: every request but the open paths carries `Authorization: Bearer <token>`, compared in constant
 * time (both sides hashed first, so neither the length nor a prefix leaks through timing).
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  const carries = tokenCheck(token);
  return async (c, next) => {
    const open = OPEN_PATHS.has(c.req.path) || ((c.req.method === "GET" || c.req.method === "HEAD") && OPEN_PREFIXES.some((prefix) => c.req.path.startsWith(prefix)));
    if (token === undefined || open || c.req.method === "OPTIONS") return next();
    if (!carries(c.req.header("authorization"))) {
      return c.json(UNAUTHORIZED, 401, { "WWW-Authenticate": 'Bearer realm="hearth"' });
    }
    return next();
  };
}

/** Whether an `Authorization` header carries the token (always, without one): the check bearerAuth makes, for the proxy front too. */
export function tokenCheck(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec((authorization ?? "").trim());
    return match?.[1] !== undefined && match[1] !== "" && timingSafeEqual(digest(match[1]), expected);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

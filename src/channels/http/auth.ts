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
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    const open = OPEN_PATHS.has(c.req.path) || (c.req.method === "GET" && OPEN_PREFIXES.some((prefix) => c.req.path.startsWith(prefix)));
    if (expected === undefined || open || c.req.method === "OPTIONS") return next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      return c.json(UNAUTHORIZED, 401, { "WWW-Authenticate": 'Bearer realm="hearth"' });
    }
    return next();
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

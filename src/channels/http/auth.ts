import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { UNAUTHORIZED } from "./errors.js";

/** Paths anyone may call, token or not (a service manager's liveness check). */
const OPEN_PATHS = new Set(["/health"]);

/**
 * With a token: every request but /health carries `Authorization: Bearer <token>`, compared in constant
 * time (both sides hashed first, so neither the length nor a prefix leaks through timing).
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  const expected = token === undefined ? undefined : digest(token);
  return async (c, next) => {
    if (expected === undefined || OPEN_PATHS.has(c.req.path) || c.req.method === "OPTIONS") return next();
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

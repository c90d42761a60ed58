import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { isPreflight } from "./cors.js";
import { errorBody, UNAUTHORIZED, WRONG_TOKEN } from "./errors.js";
import { waitsForRestart, type PendingSettings } from "./pending-settings.js";

/**
 * Paths anyone may call, token or not: a service manager's liveness check, and the web chat page
 * itself and its icon (a browser cannot send a header when it opens a URL; the page holds no secret
 * and asks for the token before it calls /api).
 */
const OPEN_PATHS = new Set(["/health", "/", "/favicon.ico", "/favicon.svg"]);
const OPEN_PREFIXES = ["/assets/"];

/**
 * With a token: every request but the open paths carries `Authorization: Bearer <token>`, compared in constant
 * time (both sides hashed first, so neither the length nor a prefix leaks through timing); a plain `OPTIONS`
 * too, only a CORS preflight does not (see isPreflight). When the config's
 * token is no longer the one the gateway started with (`pending`), a refusal says so rather than only "send
 * the token": the config's new token sent, or none set there any more, waits for the restart.
 */
export function bearerAuth(token: string | undefined, pending?: PendingSettings | undefined): MiddlewareHandler {
  const carries = tokenCheck(token);
  return async (c, next) => {
    const open = OPEN_PATHS.has(c.req.path) || ((c.req.method === "GET" || c.req.method === "HEAD") && OPEN_PREFIXES.some((prefix) => c.req.path.startsWith(prefix)));
    // A CORS preflight carries no credentials (the browser sends it by itself): its origin was judged, and the request after it carries the token.
    if (token === undefined || open || isPreflight(c.req)) return next();
    const authorization = c.req.header("authorization");
    if (!carries(authorization)) {
      const message = tokenChangedWords(pending, { running: token, authorization });
      // Its own code, so that the web page shows these words rather than its "check the token" (the token is right, the restart is missing).
      const refusal = message !== undefined ? errorBody({ message, type: "authentication_error", code: TOKEN_PENDING_RESTART }) : sendsBearer(authorization) ? WRONG_TOKEN : UNAUTHORIZED;
      return c.json(refusal, 401, { "WWW-Authenticate": 'Bearer realm="hearth"' });
    }
    return next();
  };
}

/** The code of a refusal whose cause is the config's token not yet in use (tokenChangedWords). */
export const TOKEN_PENDING_RESTART = "token_pending_restart";

/** A refusal's words when the config's token is not the one the gateway started with: the request carries the config's new one, or the config sets none any more. */
export function tokenChangedWords(pending: PendingSettings | undefined, options: { running: string; authorization: string | undefined }): string | undefined {
  if (pending === undefined) return undefined;
  const configured = pending.configured().token;
  if (configured === options.running) return undefined;
  if (configured === undefined) return `this gateway needs the token it started with (Authorization: Bearer …): ${waitsForRestart(pending, "gateway.auth.token was removed from the config")}`;
  if (!tokenCheck(configured)(options.authorization)) return undefined;
  return `this gateway needs the token it started with: the one sent is gateway.auth.token as the config holds it now, ${waitsForRestart(pending, "changed")}`;
}

/** Whether an `Authorization` header carries a bearer token at all (the gateway's or not). */
function sendsBearer(authorization: string | undefined): boolean {
  return /^Bearer\s+\S/i.test((authorization ?? "").trim());
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

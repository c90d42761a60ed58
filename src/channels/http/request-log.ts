import type { Context, MiddlewareHandler } from "hono";
import type { HttpLogger } from "./logger.js";
import { nodeResponse } from "./node-response.js";

/** What a route adds to its request's log line (the OpenAI routes: mode, model asked for, who answered, attempts). */
export type RequestLogFields = Record<string, string | number | boolean | undefined>;

declare module "hono" {
  interface ContextVariableMap {
    requestLog?: RequestLogFields;
  }
}

/** Adds fields to this request's one log line (written when the response has gone out). */
export function noteRequest(c: Context, fields: RequestLogFields): void {
  c.set("requestLog", { ...c.get("requestLog"), ...fields });
}

/**
 * One log line per request — method, path, status, what the route noted, ms — written once the
 * response has gone out (a stream's when it ends), so the log's write never delays an answer.
 */
export function requestLogger(logger: HttpLogger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const line = (): void => logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ...c.get("requestLog"), ms: Math.round(performance.now() - started) }, "request");
    const outgoing = nodeResponse(c);
    if (outgoing && !outgoing.writableFinished && !outgoing.destroyed) outgoing.once("close", line);
    else line();
  };
}

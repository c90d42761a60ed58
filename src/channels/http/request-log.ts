import type { Context, MiddlewareHandler } from "hono";
import type { HttpLogger } from "./logger.js";
import { nodeResponse } from "./node-response.js";
import { incomingOf, sinceArrival, type SinceArrival } from "./request-arrival.js";

/** What a route adds to its request's log line (the OpenAI routes: mode, model asked for, who answered, attempts). */
export type RequestLogFields = Record<string, string | number | boolean | undefined>;

/** A request's log line in the making: the fields routes noted, and whether one still owes its outcome. */
interface RequestLogState {
  fields: RequestLogFields;
  /** A route said it will note its outcome (a stream's ends after the response is handed over). */
  owed: boolean;
  /** Set once the response has gone out while the outcome is still owed: writes the line. */
  write?: (() => void) | undefined;
}

declare module "hono" {
  interface ContextVariableMap {
    requestLog?: RequestLogState;
  }
}

/** How long the line waits for an owed outcome after the response has gone out. */
const OWED_WAIT_MS = 5_000;

function stateOf(c: Context): RequestLogState {
  let state = c.get("requestLog");
  if (!state) c.set("requestLog", (state = { fields: {}, owed: false }));
  return state;
}

/** Adds fields to this request's one log line. */
export function noteRequest(c: Context, fields: RequestLogFields): void {
  Object.assign(stateOf(c).fields, fields);
}

/**
 * The route will note how the request ended (`settle`) — for a stream, after its response was handed
 * over: the line waits for it (at most OWED_WAIT_MS after the response went out).
 */
export function oweOutcome(c: Context): (fields: RequestLogFields) => void {
  const state = stateOf(c);
  state.owed = true;
  return (fields) => {
    Object.assign(state.fields, fields);
    state.owed = false;
    state.write?.();
  };
}

/**
 * One log line per request — method, path, status, what the route noted, ms — written once the
 * response has gone out (a stream's when it ends, with its outcome), so the log's write never delays
 * an answer. `ms` counts from the request's arrival as serveHttp stamped it (request-arrival.ts), not
 * from this middleware: what the proxy front did before handing the request to Hono counts too.
 */
export function requestLogger(logger: HttpLogger): MiddlewareHandler {
  return (c, next) => logRequest(logger, { c, since: sinceArrival(incomingOf(c)), next });
}

/** requestLogger's work for one request, `since` its arrival (the proxy front's requests too, which skip Hono's middleware). */
export async function logRequest(logger: HttpLogger, request: { c: Context; since: SinceArrival; next: () => Promise<void> }): Promise<void> {
  const { c, since } = request;
  await request.next();
  const outgoing = nodeResponse(c);
  let written = false;
  /** The wait for an owed outcome: cleared once the line is written (a timer left for its 5 s would keep the request's context alive that long). */
  let waiting: NodeJS.Timeout | undefined;
  const line = (): void => {
    if (written) return;
    written = true;
    if (waiting !== undefined) clearTimeout(waiting);
    // The status that went out: a route that wrote its answer straight to Node returned Hono a stand-in (RESPONSE_ALREADY_SENT, 200).
    const status = outgoing?.headersSent ? outgoing.statusCode : c.res.status;
    logger.info({ method: c.req.method, path: c.req.path, status, ...c.get("requestLog")?.fields, ms: Math.round(since()) }, "request");
  };
  const gone = (): void => {
    const state = c.get("requestLog");
    if (!state?.owed) return line();
    state.write = line;
    waiting = setTimeout(line, OWED_WAIT_MS).unref();
  };
  if (outgoing && !outgoing.writableFinished && !outgoing.destroyed) outgoing.once("close", gone);
  else gone();
}

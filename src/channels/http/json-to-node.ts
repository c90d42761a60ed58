import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context, MiddlewareHandler } from "hono";
import { nodeResponse } from "./node-response.js";

declare module "hono" {
  interface ContextVariableMap {
    /** CORS is configured: its middleware adds headers around the route's answer, which must then go through Hono. */
    corsHeaders?: true;
  }
}

/** Wraps the CORS middleware: a request under it is answered through Hono (its headers are added to the Response). */
export function markedCors(cors: MiddlewareHandler): MiddlewareHandler {
  return (c, next) => {
    c.set("corsHeaders", true);
    return cors(c, next);
  };
}

/**
 * A JSON answer written straight to Node's response, as `c.json(body, status, headers)` would send it
 * (the same status, `content-type: application/json`, the headers given, the length): no web Response,
 * no Headers object and no conversion back to Node's headers per request. Only for a route that set no
 * header of its own through `c.header`; under CORS (whose headers Hono adds) and outside Node
 * (`app.request()`) it is `c.json` itself.
 */
export function jsonToNode(c: Context, answer: { body: unknown; status: number; headers: Record<string, string> }): Response {
  const outgoing = nodeResponse(c);
  if (!outgoing || c.get("corsHeaders") || outgoing.headersSent) return c.json(answer.body, answer.status as 200, answer.headers);
  const text = JSON.stringify(answer.body);
  // The header lines as @hono/node-server writes c.json's: the same names, in the same order and case.
  outgoing.writeHead(answer.status, { "content-type": "application/json", ...answer.headers, "Content-Length": Buffer.byteLength(text) });
  outgoing.end(text);
  return RESPONSE_ALREADY_SENT;
}

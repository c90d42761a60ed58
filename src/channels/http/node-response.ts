import type { Context } from "hono";
import type { ServerResponse } from "node:http";

/** The Node response under a Hono context, when the app runs on @hono/node-server (`c.env.outgoing`); absent in `app.request()`. */
export function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing !== null && typeof outgoing === "object" && "writeHead" in outgoing && "write" in outgoing ? (outgoing as ServerResponse) : undefined;
}

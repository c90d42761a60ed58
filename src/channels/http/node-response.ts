import type { Context } from "hono";
import type { ServerResponse } from "node:http";

/** The Node response behind a request (@hono/node-server passes it as `env.outgoing`); absent in `app.request()`. */
export function nodeResponse(c: Context): ServerResponse | undefined {
  const env = c.env as { outgoing?: unknown } | undefined;
  const outgoing = env?.outgoing;
  return typeof outgoing === "object" && outgoing !== null && typeof (outgoing as ServerResponse).once === "function" ? (outgoing as ServerResponse) : undefined;
}

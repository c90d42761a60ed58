import type { Context } from "hono";
import type { ServerResponse } from "node:http";

/** The Node response under a Hono context, when the app runs on @hono/node-server (`c.env.outgoing`); absent in `app.request()`. */
export function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing !== null && typeof outgoing === "object" && "writeHead" in outgoing && "write" in outgoing ? (outgoing as ServerResponse) : undefined;
}

/** A web Response written to a Node response as it is (a small body, read whole: an error, a JSON reply). */
export async function writeWebResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.writeHead(response.status, { ...Object.fromEntries(response.headers), "content-length": body.length });
  outgoing.end(body);
}

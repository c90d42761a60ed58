import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { ServerResponse } from "node:http";
import type { SseOut } from "./sse-body.js";

/**
 * A stream of server-sent events written straight to Node's response, as sseBody writes one into a
 * web ReadableStream: no stream, encoder pass and read promise per write between the writer and the
 * socket, and the headers go out with the first write instead of on their own (@hono/node-server
 * flushes a streamed body's headers alone: a packet, a system call and a wake-up of the client more
 * per stream). Same contract as sseBody: a write waits while the socket's buffer is full; `onCancel`
 * runs when the client goes away and `run` goes on to its end (writes dropped); an error thrown by
 * `run` goes to `onError` and ends the response. Returns the Response that tells @hono/node-server
 * the answer is already being sent.
 */
export function sseToNode(
  outgoing: ServerResponse,
  head: { status: number; headers: Record<string, string> },
  run: (out: SseOut) => Promise<void>,
  handlers: { onCancel: () => void; onError: (error: unknown) => void },
): Response {
  let cancelled = false;
  outgoing.writeHead(head.status, head.headers);
  outgoing.once("close", () => {
    if (outgoing.writableFinished) return;
    cancelled = true;
    handlers.onCancel();
  });
  const out: SseOut = {
    get cancelled() {
      return cancelled;
    },
    write(text) {
      return out.writeNow?.(text) ?? Promise.resolve();
    },
    writeNow(text) {
      if (cancelled || outgoing.destroyed || outgoing.write(text)) return undefined;
      return new Promise<void>((resolve) => {
        const go = (): void => {
          outgoing.off("drain", go);
          outgoing.off("close", go);
          resolve();
        };
        outgoing.on("drain", go);
        outgoing.on("close", go);
      });
    },
  };
  void run(out)
    .catch(handlers.onError)
    .finally(() => {
      if (!cancelled && !outgoing.destroyed) outgoing.end();
    });
  // The library's own instance: a Response made here would be @hono/node-server's cached kind, which it writes again.
  return RESPONSE_ALREADY_SENT;
}

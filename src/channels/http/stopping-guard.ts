import type { MiddlewareHandler } from "hono";
import { workWords, type StopCounts } from "../../gateway/stop-counts.js";
import { errorBody } from "./errors.js";

/** What the gateway's stop looks like to the HTTP layer: whether it has begun, and how much still runs. */
export interface StoppingView {
  readonly stopping: boolean;
  /** Turns and proxied answers still running, each counted apart (they finish within the drain). */
  readonly counts: StopCounts;
}

/**
 * Once the gateway is stopping, no request on any connection starts anything: a connection that was
 * open before the signal (a kept-alive one, the page's `/api/events`) may still send one, and Node
 * would serve it. Every request but `/health` (which says the gateway is stopping) gets a 503 in the
 * API's error shape with `Connection: close`, so the client goes to the gateway that serves next.
 */
export function stoppingGuard(stop: StoppingView | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!stop?.stopping) return next();
    c.header("connection", "close");
    if (c.req.path === "/health") return next();
    const running = stop.counts;
    const message = `the gateway is stopping: it takes no new requests${running.turns + running.proxied > 0 ? ` (${workWords(running)} finishing)` : ""}; send this again once it is back (a gateway started now serves it)`;
    return c.json(errorBody({ message, type: "server_error", code: "gateway_stopping" }), 503, { "retry-after": "1" });
  };
}

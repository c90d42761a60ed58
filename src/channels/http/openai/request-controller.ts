import type { Context } from "hono";
import type { StopSwitch } from "../../../gateway/stop-switch.js";
import { nodeResponse } from "../node-response.js";

/**
 * One AbortController per request, aborted when the client goes away: the upstream call stops with it.
 * With `stop` (proxy mode), the request is also work of the gateway's like a turn: tracked by the stop
 * switch until its response has gone out (or the client left), so that a drain that runs out aborts it
 * with GatewayStopping — the client then gets an error saying the gateway is stopping and a proper end,
 * not a cut connection. (An agent-mode request's turn is tracked by the runtime's `handle`.) On Node
 * both hang on the response's one `close` listener.
 */
export function requestController(c: Context, stop: StopSwitch | undefined): AbortController {
  const controller = new AbortController();
  // On Node, the response's close before it finished is the client going away (the web Request's signal would be built for it otherwise).
  const outgoing = nodeResponse(c);
  if (outgoing) {
    const gone = outgoing.destroyed || outgoing.writableFinished;
    if (gone && !outgoing.writableFinished) controller.abort();
    const done = stop?.track(controller, { kind: "proxied" });
    if (gone) done?.();
    else
      outgoing.once("close", () => {
        if (!outgoing.writableFinished) controller.abort();
        done?.();
      });
    return controller;
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) controller.abort();
  else signal.addEventListener("abort", () => controller.abort(), { once: true });
  const done = stop?.track(controller, { kind: "proxied" });
  if (done) controller.signal.addEventListener("abort", done, { once: true });
  return controller;
}

import type { Context } from "hono";
import type { StopSwitch } from "../../../gateway/stop-switch.js";
import { nodeResponse } from "../node-response.js";

/**
 * A proxied answer is work of the gateway's like a turn: tracked by the stop switch until its response
 * has gone out (or the client left), so that a drain that runs out aborts it with GatewayStopping — the
 * client then gets an error saying the gateway is stopping and a proper end, not a cut connection.
 * (An agent-mode request's turn is tracked by the runtime's `handle`.)
 */
export function cutAtStop(c: Context, work: { controller: AbortController; stop: StopSwitch | undefined }): void {
  const { stop, controller } = work;
  if (!stop) return;
  const done = stop.track(controller);
  const outgoing = nodeResponse(c);
  if (outgoing) {
    if (outgoing.destroyed || outgoing.writableFinished) done();
    else outgoing.once("close", done);
    return;
  }
  controller.signal.addEventListener("abort", done, { once: true });
}

import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/** The ms since a request arrived. */
export type SinceArrival = () => number;

/** Where serveHttp keeps a request's arrival on Node's request object. */
const ARRIVAL = Symbol("hearth.requestArrival");

type Stamped = IncomingMessage & { [ARRIVAL]?: SinceArrival };

/**
 * Marks `incoming` as arrived now, by `clock`: serveHttp does it first thing, before the proxy front
 * or Hono look at the request, so that its log line's `ms` counts whatever comes before its route —
 * the front's reading and judging, a catalogue made on first use (5 s once, uncounted: t15 #10).
 */
export function stampArrival(incoming: IncomingMessage, clock: () => number): void {
  const at = clock();
  (incoming as Stamped)[ARRIVAL] = () => clock() - at;
}

/** The time since `incoming` arrived: as stamped, or counted from now for a request serveHttp did not take (`app.request()`). */
export function sinceArrival(incoming: IncomingMessage | undefined): SinceArrival {
  const stamped = incoming ? (incoming as Stamped)[ARRIVAL] : undefined;
  if (stamped) return stamped;
  const at = performance.now();
  return () => performance.now() - at;
}

/** The Node request under a Hono context, when the app runs on @hono/node-server (`c.env.incoming`); absent in `app.request()`. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}

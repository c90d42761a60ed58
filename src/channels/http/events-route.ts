import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { GatewayEvent, GatewayPort } from "../../gateway/port.js";
import type { StoppingView } from "./stopping-guard.js";

/**
 * `GET /api/events`: every GatewayEvent as `event: <type>` + `data: <json>`, a `: keep-alive` comment
 * now and then, and on connect the setup problems, each provider's health and each turn under way so far (`turn-live`). Closing the connection
 * (or the gateway shutting down, which ends the stream with a `stopping` event) unsubscribes.
 */
export function eventsRoute(options: { port: GatewayPort; keepAliveMs: number; shutdown?: AbortSignal | undefined; stop?: StoppingView | undefined }): Hono {
  const { port } = options;
  const route = new Hono();
  route.get("/events", (c) => {
    // How often to expect a keep-alive: a client that hears nothing for longer knows the gateway is stopped or cut off.
    c.header("x-hearth-keep-alive-ms", String(options.keepAliveMs));
    return streamSSE(c, async (stream) => {
      const queue: GatewayEvent[] = [];
      let wake: (() => void) | undefined;
      let open = true;
      const push = (event: GatewayEvent): void => {
        queue.push(event);
        wake?.();
      };
      const stop = (): void => {
        open = false;
        wake?.();
      };
      queue.push({ type: "setup", problems: port.setupProblems() });
      for (const health of port.health()) queue.push({ type: "provider-health", health });
      // The turns under way so far, then every event after them: taken in the same tick, so the page joins them with no gap or overlap.
      for (const turn of port.sessions().underWay()) queue.push({ type: "turn-live", ...turn });
      const unsubscribe = port.subscribe(push);
      stream.onAbort(stop);
      options.shutdown?.addEventListener("abort", stop, { once: true });
      if (options.shutdown?.aborted) stop();
      const keepAlive = setInterval(() => {
        void stream.write(": keep-alive\n\n");
      }, options.keepAliveMs);
      try {
        while (open) {
          const event = queue.shift();
          if (event) {
            await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        // Ended by the gateway's stop: the page hears why (and how many turns finish) before the stream ends.
        if (options.shutdown?.aborted && !stream.aborted) await stream.writeSSE({ event: "stopping", data: JSON.stringify({ type: "stopping", ...(options.stop?.counts ?? { turns: 0, proxied: 0 }) }) });
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
        options.shutdown?.removeEventListener("abort", stop);
      }
    });
  });
  return route;
}

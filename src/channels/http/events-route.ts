import { Hono } from "hono";
import type { GatewayPort } from "../../gateway/port.js";
import { errorBody } from "./errors.js";
import { limitRaisedPending, type PendingSettings } from "./pending-settings.js";
import { EventSubscribers, type Subscription } from "./event-subscribers.js";
import { nodeResponse } from "./node-response.js";
import { sseText } from "./openai/answer-stream.js";
import { sseBody, type SseOut } from "./openai/sse-body.js";
import { sseToNode } from "./openai/sse-node.js";
import type { StoppingView } from "./stopping-guard.js";

/** How many `/api/events` streams the gateway serves at once unless told (`gateway.limits.maxEventSubscribers`). */
export const DEFAULT_MAX_EVENT_SUBSCRIBERS = 500;

/**
 * `GET /api/events`: every GatewayEvent as `event: <type>` + `data: <json>`, a `: keep-alive` comment
 * now and then, and on connect the setup problems, each provider's health and each turn under way so far (`turn-live`).
 * Every stream is served by one EventSubscribers (one subscription to the gateway for all); past its cap a new
 * one is a 503 in OpenAI's error shape. Closing the connection unsubscribes; the gateway shutting down ends
 * the stream with a `stopping` event.
 */
export function eventsRoute(options: { port: GatewayPort; keepAliveMs: number; maxSubscribers?: number | undefined; pending?: PendingSettings | undefined; shutdown?: AbortSignal | undefined; stop?: StoppingView | undefined }): Hono {
  const subscribers = new EventSubscribers({ port: options.port, max: options.maxSubscribers ?? DEFAULT_MAX_EVENT_SUBSCRIBERS, keepAliveMs: options.keepAliveMs, shutdown: options.shutdown });
  const route = new Hono();
  route.get("/events", (c) => {
    if (subscribers.size >= subscribers.max) {
      const raised = limitRaisedPending(options.pending, { key: "maxEventSubscribers", limit: subscribers.max, needed: subscribers.max + 1 });
      const message = `too many live event streams: this gateway serves at most ${subscribers.max} /api/events connections at once (gateway.limits.maxEventSubscribers); close some pages${raised === undefined ? ", or raise the limit and restart the gateway" : `; ${raised}`}`;
      return c.json(errorBody({ message, type: "server_error", code: "too_many_event_streams" }), 503);
    }
    let subscription: Subscription | undefined;
    const run = async (out: SseOut): Promise<void> => {
      // Joined in the tick the cap was checked in: there is room.
      subscription = subscribers.join(out);
      const reason = await subscription?.ended;
      // A client that stopped reading: its connection goes, with what Node and the socket still hold for it.
      if (reason === "behind") return void nodeResponse(c)?.destroy();
      // Ended by the gateway's stop: the page hears why (and how many turns finish) before the stream ends.
      if (reason === "stopping" && !out.cancelled) await out.write(sseText([{ event: "stopping", data: JSON.stringify({ type: "stopping", ...(options.stop?.counts ?? { turns: 0, proxied: 0 }) }) }]));
    };
    // How often to expect a keep-alive: a client that hears nothing for longer knows the gateway is stopped or cut off.
    const headers = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-hearth-keep-alive-ms": String(options.keepAliveMs) };
    // A HEAD asks what a stream would be: its headers, with no subscription held for a connection that reads no body.
    if (c.req.method === "HEAD") return c.body(null, 200, headers);
    const handlers = { onCancel: () => subscription?.close(), onError: () => subscription?.close() };
    const outgoing = nodeResponse(c);
    // CORS (when configured) adds its headers once the route has returned: such streams go through Hono.
    if (outgoing && !c.get("corsHeaders")) return sseToNode(outgoing, { status: 200, headers }, run, handlers);
    return c.body(sseBody(run, handlers), 200, headers);
  });
  return route;
}

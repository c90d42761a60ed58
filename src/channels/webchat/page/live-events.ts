import { unreachableWhy } from "./unreachable-words.js";
import { EventSourceParserStream } from "eventsource-parser/stream";
import type { ApiClient } from "./api-client.js";
import { backoffDelay, LINK_BACKOFF } from "./backoff.js";
import type { GatewayLink } from "./gateway-link.js";
import { silenceLimitMs, watchSilence } from "./keep-alive-watch.js";
import type { GatewayEvent } from "./wire-types.js";

export interface LiveEventsOptions {
  api: ApiClient;
  /** Where the gateway's reachability is kept: a stream that ends asks it, and the next connect waits for it. */
  link: GatewayLink;
  onEvent: (event: GatewayEvent) => void;
  /** "live" once connected (after a drop too: reload what may have been missed), else the reason it is not. */
  onState: (state: { live: true } | { live: false; reason: string }) => void;
}

/**
 * `GET /api/events` read with fetch (so it carries the token) and eventsource-parser. After a drop it
 * connects again the moment the gateway answers (`link.whenUp`: the link backs off while it is away);
 * a stream that fails while the gateway answers is tried again after a wait that grows (capped, with
 * jitter). The gateway's last `stopping` event tells the link, and so does a stream silent for two
 * keep-alive intervals (`watchSilence`). Returns a function that stops it.
 */
export function connectLiveEvents(options: LiveEventsOptions): () => void {
  const controller = new AbortController();
  let failures = 0;

  const readOnce = async (): Promise<string> => {
    const response = await options.api.authorizedFetch("/api/events", {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) return `the event stream answered ${response.status}${await saidWhy(response)}`;
    options.onState({ live: true });
    failures = 0;
    // No byte for twice the keep-alive interval: the gateway is stopped or cut off though the connection stays open — the link is lost.
    const limitMs = silenceLimitMs(response.headers.get("x-hearth-keep-alive-ms"));
    const body = limitMs === undefined ? response.body : watchSilence(response.body, { limitMs, onSilent: (reason) => options.link.lost(reason) });
    const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    for await (const message of events) {
      try {
        const event = JSON.parse(message.data) as GatewayEvent | { type: "stopping"; turns?: unknown };
        if (event.type === "stopping") {
          options.link.stopping(typeof event.turns === "number" ? event.turns : undefined);
          return "the gateway is stopping";
        }
        options.onEvent(event);
      } catch (error) {
        console.error("web chat: an event the page could not read", message.event, error);
      }
    }
    // Ended without a word: the gateway may be gone (a crash, a network change), `/health` says.
    options.link.check();
    return "the event stream ended";
  };

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      const reason = await readOnce().catch(unreachableWhy);
      if (controller.signal.aborted) return;
      options.onState({ live: false, reason });
      // Away: back the moment it answers. Still there (the stream itself failed): a wait that grows.
      const wasAway = await options.link.whenUp();
      if (!wasAway && !controller.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures++, LINK_BACKOFF)));
        await options.link.whenUp();
      }
    }
  };
  void loop();
  return () => controller.abort();
}

/** What an error answer says (OpenAI's error shape: `too many live event streams: …`), after a colon; nothing when it says nothing readable. */
async function saidWhy(response: Response): Promise<string> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: unknown } } | undefined;
  const message = body?.error?.message;
  return typeof message === "string" ? `: ${message}` : "";
}

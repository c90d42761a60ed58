import { EventSourceParserStream } from "eventsource-parser/stream";
import type { ApiClient } from "./api-client.js";
import type { GatewayEvent } from "./wire-types.js";

export interface LiveEventsOptions {
  api: ApiClient;
  onEvent: (event: GatewayEvent) => void;
  /** "live" once connected (after a drop too: reload what may have been missed), else the reason it is not. */
  onState: (state: { live: true } | { live: false; reason: string }) => void;
}

const MAX_RETRY_MS = 10_000;

/**
 * `GET /api/events` read with fetch (so it carries the token) and eventsource-parser; reconnects
 * after a drop, waiting longer each time up to 10 s. Returns a function that stops it.
 */
export function connectLiveEvents(options: LiveEventsOptions): () => void {
  const controller = new AbortController();
  let retryMs = 500;

  const readOnce = async (): Promise<string> => {
    const response = await options.api.authorizedFetch("/api/events", {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) return `the event stream answered ${response.status}`;
    options.onState({ live: true });
    retryMs = 500;
    const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    for await (const message of events) {
      try {
        options.onEvent(JSON.parse(message.data) as GatewayEvent);
      } catch (error) {
        console.error("web chat: an event the page could not read", message.event, error);
      }
    }
    return "the event stream ended";
  };

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      const reason = await readOnce().catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      if (controller.signal.aborted) return;
      options.onState({ live: false, reason });
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void loop();
  return () => controller.abort();
}

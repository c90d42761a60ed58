import type { ModelRef } from "../ai/model-spec.js";
import type { RouterEvent } from "./router-events.js";

const STATES = { loading: "; the server is loading the model", loaded: "; the model is loaded", unknown: "" } as const;

/** What names the next model: the catalog's alias (the terminal), or nothing more than the ref (a channel without the catalog). */
export interface ModelNames {
  aliasOf(ref: ModelRef): string | undefined;
}

/**
 * What every channel says while a model sends nothing (the terminal, the web chat, WhatsApp, the
 * gateway's log): "no reply from lmstudio/m for 8 s (prompt 6k tokens) — trying Opus at 60 s".
 * `silentByName`: the silent model is named by `names` too (an API stream names every model alike).
 */
export function waitingNotice(event: Extract<RouterEvent, { type: "attempt-waiting" }>, names: ModelNames = { aliasOf: () => undefined }, options: { silentByName?: boolean } = {}): string {
  const next = event.next ? `trying ${names.aliasOf(event.next) ?? event.next}` : "giving up";
  const silent = options.silentByName ? (names.aliasOf(event.model) ?? event.model) : event.model;
  return `no reply from ${silent} for ${seconds(event.waitedMs)} (prompt ${tokens(event.promptTokens)}${STATES[event.state]}) — ${next} at ${seconds(event.limitMs)}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function tokens(count: number): string {
  return count < 1000 ? `${count} tokens` : `${Math.round(count / 1000)}k tokens`;
}

/** What every channel says while a call waits for room in a server's shared KV cache (see SharedCacheGate). */
export function queuedNotice(event: Extract<RouterEvent, { type: "attempt-queued" }>, names: ModelNames = { aliasOf: () => undefined }): string {
  return `waiting for room in the cache that ${names.aliasOf(event.model) ?? event.model}'s server shares among its requests (${event.running} running, ${event.ahead} waiting before this one)`;
}

/** What every channel says while a turn waits for the one before it in its session (another channel's, or another process's). */
export const TURN_QUEUED_NOTICE = "waiting for the turn before this one in the same session to finish";

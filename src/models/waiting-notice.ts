import type { ModelCatalog } from "./model-catalog.js";
import type { RouterEvent } from "./router-events.js";

const STATES = { loading: "; the server is loading the model", loaded: "; the model is loaded", unknown: "" } as const;

/**
 * What a channel says while a model sends nothing: "no reply from lmstudio/m for 8 s (prompt 6k
 * tokens) — trying Opus at 60 s".
 */
export function waitingNotice(event: Extract<RouterEvent, { type: "attempt-waiting" }>, catalog: ModelCatalog): string {
  const next = event.next ? `trying ${catalog.aliasOf(event.next) ?? event.next}` : "giving up";
  return `no reply from ${event.model} for ${seconds(event.waitedMs)} (prompt ${tokens(event.promptTokens)}${STATES[event.state]}) — ${next} at ${seconds(event.limitMs)}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function tokens(count: number): string {
  return count < 1000 ? `${count} tokens` : `${Math.round(count / 1000)}k tokens`;
}

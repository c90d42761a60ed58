import type { ModelRef } from "../ai/model-spec.js";
import { outcomeWords, spanWords } from "./outcome-words.js";
import type { RouterEvent } from "./router-events.js";

const STATES = { loading: "; the server is loading the model", loaded: "; the model is loaded", answered: "; it answered this model lately", unknown: "" } as const;

/** What names the next model: the catalog's alias (the terminal), or nothing more than the ref (a channel without the catalog). */
export interface ModelNames {
  aliasOf(ref: ModelRef): string | undefined;
}

/**
 * How every line of one stream names a model (the terminal, the web chat, WhatsApp, an API stream, the
 * gateway's log): its alias, else its ref — as the fallback notice does ("answered by Backup") — so that
 * one stream never calls one model two names ("no reply from backup/m", then "trying Backup").
 */
export function modelName(ref: string, names: ModelNames): string {
  return names.aliasOf(ref as ModelRef) ?? ref;
}

/** No names known (a channel without the catalog): every model by its ref. */
export const REFS_ONLY: ModelNames = { aliasOf: () => undefined };

/**
 * What every channel says while a model sends nothing (the terminal, the web chat, WhatsApp, the
 * gateway's log): "no reply from Local for 8 s (prompt 6k tokens) — trying Opus if none by 60 s (its
 * first-token limit)", the silent model and the next named alike (modelName). Both times count from the
 * request: the wait so far, and the limit at which the next model is tried (or the turn gives up). A
 * freeze mid-answer counts from the last token, to the idle limit: "nothing more from Local for 8 s in
 * the middle of its answer — trying Opus if nothing by 60 s (its idle limit)".
 */
export function waitingNotice(event: Extract<RouterEvent, { type: "attempt-waiting" }>, names: ModelNames = REFS_ONLY): string {
  const next = event.next ? `trying ${modelName(event.next, names)}` : "giving up";
  if (event.midAnswer) return `nothing more from ${modelName(event.model, names)} for ${seconds(event.waitedMs)} in the middle of its answer — ${next} if nothing by ${seconds(event.limitMs)} (its idle limit)`;
  return `no reply from ${modelName(event.model, names)} for ${seconds(event.waitedMs)} (prompt ${tokens(event.promptTokens)}${STATES[event.state]}) — ${next} if none by ${seconds(event.limitMs)} (its first-token limit)`;
}

/** What every channel says when a call failed and the turn moves on: "Local timed out — trying Backup" (or "— trying it again"). */
export function attemptFailedNotice(event: { model: string; outcome: string; next: string | undefined }, names: ModelNames = REFS_ONLY): string {
  const next = event.next === undefined ? "" : event.next === event.model ? " — trying it again" : ` — trying ${modelName(event.next, names)}`;
  return `${modelName(event.model, names)} ${outcomeWords(event.outcome)}${next}`;
}

/** What every channel says while a server loads the model (a local one, or a hosted service scaled to zero): waiting for it, or the next model answering meanwhile. */
export function loadingNotice(event: Extract<RouterEvent, { type: "model-loading" }>, names: ModelNames = REFS_ONLY): string {
  const name = modelName(event.model, names);
  const where = event.hosted ? "its hosted service" : "the local server";
  // A load an earlier turn saw begin: how long it has taken (it is waited for only what is left of its limit).
  if (event.forMs !== undefined) return `${name} is still loading on ${where} (for ${spanWords(event.forMs)}) — ${event.waiting ? "waiting for the rest of its cold-load limit" : "the next model answers meanwhile"}`;
  return event.waiting ? `loading ${name} on ${where} — waiting for it` : `${name} is loading on ${where}; the next model answers meanwhile`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function tokens(count: number): string {
  return count < 1000 ? `${count} tokens` : `${Math.round(count / 1000)}k tokens`;
}

/** What every channel says while a call waits in hearth for a free slot on its server, or for room in the KV cache its slots share (see SharedCacheGate). */
export function queuedNotice(event: Extract<RouterEvent, { type: "attempt-queued" }>, names: ModelNames = REFS_ONLY): string {
  if (event.awaiting === "busy") return `waiting for a free slot on ${modelName(event.model, names)}'s server: it says ${event.slots === 1 ? "its one slot is" : `all ${event.slots} of its slots are`} busy with other requests and working, so this is a queue, not a hang`;
  const load = `(${event.running} running, ${event.ahead} waiting before this one)`;
  if (event.awaiting === "slot") return `waiting for a free slot on ${modelName(event.model, names)}'s server, which runs ${event.running === 1 ? "one request" : `${event.running} requests`} at once ${load}`;
  return `waiting for room in the cache that ${modelName(event.model, names)}'s server shares among its requests ${load}`;
}

/** What every channel says while a turn waits for the one before it in its session (another channel's, or another process's). */
export const TURN_QUEUED_NOTICE = "waiting for the turn before this one in the same session to finish";

import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import { estimateContextTokens } from "../ai/usage.js";
import type { EventStream } from "../shared/event-stream.js";
import type { RouteRequest } from "./route-request.js";
import type { RouterEvent } from "./router-events.js";
import type { ServedWindows } from "./served-windows.js";
import type { Release, SharedCacheGate } from "./shared-cache-gate.js";
import { linkAbort } from "../shared/abort-link.js";

/** How long a retry after a shared cache ran out waits for what the server reports: an ask's own bound (served-windows' ASK_TIMEOUTS). */
const REFRESH_BOUND_MS = 3_000;

/** The admission to a replica's slots (release it when the call is over), undefined when no wait applies, "aborted", or "server-hung". */
export type ReplicaAdmission = { release: Release; promptEstimate: number } | undefined | "aborted" | "server-hung";

/** The replica (`model.baseUrl`) reported how many requests it runs at once (its slots, which may share one KV cache). */
export function gatedReplica(model: ModelSpec, windows: ServedWindows | undefined): boolean {
  return model.local && windows?.servedSlots(model, model.baseUrl) !== undefined;
}

/**
 * Waits for a free slot on a replica that reported its slots, and for room where they share one KV
 * cache; or, for a retry after such a cache ran out (`alone`), until nothing else runs there. Returns
 * the admission, undefined when no wait applies, "aborted", or "server-hung" (a request before it
 * ended because the server hung).
 */
export async function enterReplicaGate(
  model: ModelSpec,
  call: { sharedCaches: SharedCacheGate; windows: ServedWindows | undefined; context: Context; request: RouteRequest; alone: boolean; out: EventStream<RouterEvent> },
): Promise<ReplicaAdmission> {
  const { windows, context, request, alone, out } = call;
  if (!model.local || !windows) return undefined;
  // What the server reported (an agent's turn and a proxied request ask first); after the cache ran out, ask now if nothing asked yet.
  // Bounded as an ask is (3 s): one in flight after another turn's reply waits with a call's patience, up to a minute.
  if (alone) {
    const asking = new AbortController();
    const unlink = linkAbort(request.options?.signal, asking);
    const bound = setTimeout(() => asking.abort(), REFRESH_BOUND_MS);
    await windows.refresh(model, asking.signal).catch(() => undefined);
    clearTimeout(bound);
    unlink();
  }
  const shared = windows.sharedCache(model, model.baseUrl);
  const slots = windows.servedSlots(model, model.baseUrl);
  if (!shared && slots === undefined && !alone) return undefined;
  const promptEstimate = estimateContextTokens(context);
  const replyTokens = Math.min(request.options?.maxTokens ?? model.maxTokens, model.maxTokens);
  const release = await call.sharedCaches.enter(model.baseUrl, {
    promptEstimate,
    replyTokens,
    capacity: shared?.tokens,
    slots,
    exclusive: alone,
    signal: request.options?.signal,
    // The channels say so: a turn that waits here would look like a silent model otherwise.
    onWait: ({ running, ahead, awaiting }) => out.push({ type: "attempt-queued", model: model.ref, running, ahead, awaiting }),
  });
  if (release === "server-hung") return release;
  return release ? { release, promptEstimate } : "aborted";
}

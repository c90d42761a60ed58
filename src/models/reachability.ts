import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Failure } from "../ai/types.js";

/** A quick look (or quick check of a model that hung): a refused connection answers in a millisecond, a server that is up in a few; a hung one gets no more than this. */
export const QUICK_TIMEOUTS = { connectMs: 300, firstByteMs: 400, idleMs: 400, totalMs: 500 };

/**
 * What a quick look at a local server's model listing found: it answers; it took the connection and
 * sent nothing in time (running, but stuck or busy); nothing is there (refused, no such host, no
 * connection in time); or it answered with an error (or dropped the connection). `message`: the failure's words.
 */
export type ServerLook = { state: "answers" } | { state: "hung" | "absent" | "error"; message: string };

/** Whether a local server answers its model listing right now (any replica), within half a second; `look`: what it found, in detail. */
export interface ReachabilityCheck {
  answers(model: ModelSpec, signal?: AbortSignal): Promise<boolean>;
  look(model: ModelSpec, signal?: AbortSignal): Promise<ServerLook>;
}

/** Looks ranked best first: one that answers, else a server there (an error, then a hang), else nothing there. */
export const LOOK_RANK: Readonly<Record<ServerLook["state"], number>> = { answers: 0, error: 1, hung: 2, absent: 3 };

export function quickReachability(http: HttpClient): ReachabilityCheck {
  const look = async (model: ModelSpec, signal?: AbortSignal): Promise<ServerLook> => {
    const headers = { ...bearerHeaders(model), ...model.headers };
    const looks = await Promise.all(
      model.replicas.map(async (url): Promise<ServerLook> => {
        const answer = await requestJson(http, modelListingUrl(model.api, url), { headers, timeouts: QUICK_TIMEOUTS, ...(signal ? { signal } : {}) });
        return answer.ok ? { state: "answers" } : lookOf(answer.failure);
      }),
    );
    return looks.reduce<ServerLook>((best, each) => (LOOK_RANK[each.state] < LOOK_RANK[best.state] ? each : best), { state: "absent", message: "no server to ask" });
  };
  return {
    look,
    async answers(model, signal) {
      return (await look(model, signal)).state === "answers";
    },
  };
}

/** A failed listing as a look: an answer with an error status, a connection that went quiet, or nothing there. */
function lookOf(failure: Failure): ServerLook {
  if (failure.status !== undefined || failure.kind === "stream-broken") return { state: "error", message: failure.message };
  if (failure.kind === "timeout" && failure.phase !== "connect") return { state: "hung", message: failure.message };
  return { state: "absent", message: failure.message };
}

import { portState } from "../ai/http/port-state.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Failure } from "../ai/types.js";

/** How long the look at a local server's port waits for its connect: a port nobody listens on refuses at once. */
export const PORT_LOOK_MS = 1_000;

/** How a local model's call ended or stalled: its stream broke off (the failure it ended with), or it has said nothing for `silentMs`, in the middle of its answer or before its first token. */
export type Abnormal = { broke: Failure } | { silentMs: number; midAnswer: boolean };

/**
 * Whether the local server of a call that broke off or fell silent is gone: one TCP connect to its
 * port (`model.baseUrl`, the replica called) is refused. A killed llama-server closes its port at
 * once, but the call does not always hear of it: after SIGTERM it may hold the connection, silent, for
 * about 30 s before a reset; after SIGKILL the reset comes at once. (Now and then a SIGTERM leaves its
 * port open, accepting: nothing then tells it from a slow server.) Gone: the failure the call ends
 * with — `unreachable`, as a refused connection before any answer is (the model and every other one
 * served only there cool down, the replica is down, the health monitor brings it back when it
 * answers) — naming the closed port. Open, or no answer to the connect: undefined, and nothing changes
 * (a slow server is waited for as before).
 */
export async function serverGone(model: ModelSpec, how: Abnormal): Promise<Failure | undefined> {
  if ((await portState(model.baseUrl, { timeoutMs: PORT_LOOK_MS })) !== "refused") return undefined;
  const host = new URL(model.baseUrl).host;
  return {
    kind: "unreachable",
    message: `${model.ref}: its server went away: ${what(model, how)}, and ${host} now refuses connections — nothing listens there any more (the server stopped or crashed: start it again)`,
    detail: "ECONNREFUSED",
  };
}

function what(model: ModelSpec, how: Abnormal): string {
  if ("silentMs" in how) {
    const seconds = Math.round(how.silentMs / 1000);
    return how.midAnswer ? `nothing more came for ${seconds} s in the middle of its answer` : `no first token came in ${seconds} s`;
  }
  const said = how.broke.message;
  return said.startsWith(`${model.ref}: `) ? said.slice(model.ref.length + 2) : said;
}

/** A local model's call watched for its server going away while it is silent (a FirstTokenWatch's or StallWatch's `onSilent`). */
export interface GoneWatch {
  /** What a silence calls, before the first token (`midAnswer` false) or in the middle of the answer; undefined for a hosted model (no port of its own to look at). */
  onSilent(midAnswer: boolean): ((silentMs: number) => void) | undefined;
  /** The failure the call was ended with from outside its stream (its server found gone while silent): said instead of the abort's. */
  endedWith(): Failure | undefined;
  /**
   * A call's result, with an abort this watch made said as the server gone: whatever was waiting when it did (a request,
   * a cold load's pause or `/health` look, any later path) ended as `aborted`, and that is no cancel the user made.
   */
  said<Result extends { ok: boolean; failure?: Failure }>(result: Result, outer: AbortSignal | undefined): Result;
}

/**
 * Watches a local model's call for its server going away: a silence looks at its port, and a refused one
 * aborts the call (`cancel`) at once, not at its limit — unless the call is over (`over()`) or was aborted already.
 */
export function goneWatch(model: ModelSpec, call: { cancel: AbortController; over: () => boolean }): GoneWatch {
  let ended: Failure | undefined;
  return {
    onSilent: (midAnswer) =>
      model.local
        ? (silentMs: number): void => {
            void serverGone(model, { silentMs, midAnswer }).then((gone) => {
              if (!gone || call.over() || ended || call.cancel.signal.aborted) return;
              ended = gone;
              call.cancel.abort();
            });
          }
        : undefined,
    endedWith: () => ended,
    said: (result, outer) => (result.ok || !ended || outer?.aborted === true || result.failure?.kind !== "aborted" ? result : { ...result, failure: ended }),
  };
}

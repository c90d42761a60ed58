import { bearerHeaders } from "../ai/adapter.js";
import { answerLook } from "../ai/http/answer-look.js";
import { portState } from "../ai/http/port-state.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { Failure } from "../ai/types.js";

/** How long the look at a local server's port waits for its connect: a port nobody listens on refuses at once. */
export const PORT_LOOK_MS = 1_000;

/**
 * How long a local server whose port is open has to answer a GET of its model listing: llama-server answers it from
 * its HTTP threads in 20 ms at most while one slot generates and two requests queue (200 looks, one thread, a
 * 2-core machine at load average 12); one whose shutdown hung (SIGTERM, about one time in three) never does.
 */
export const LISTING_LOOK_MS = 2_000;

/** How a local model's call ended or stalled: its stream broke off (the failure it ended with), or it has said nothing for `silentMs`, in the middle of its answer or before its first token. */
export type Abnormal = { broke: Failure } | { silentMs: number; midAnswer: boolean };

/**
 * Whether the local server of a call that broke off or fell silent is gone. First one TCP connect to its
 * port (`model.baseUrl`, the replica called): refused, it is gone. A killed llama-server closes its port
 * at once, but the call does not always hear of it: after SIGTERM it may hold the connection, silent, for
 * about 30 s before a reset; after SIGKILL the reset comes at once. Now and then (about one SIGTERM in
 * three) its shutdown hangs with the port still open: it accepts connections, `/health` still says "ok",
 * but nothing that needs its main loop's lock answers — its model listing (`GET /v1/models`) neither — and
 * it never exits. So where the port is open and the answer was under way (a silence in the middle of it,
 * or a stream that broke), the server is asked for its model listing (as the health monitor asks to bring
 * it back): any answer, whatever its status (a 404, a 401, a 503 while it loads), says it is alive; none
 * within LISTING_LOOK_MS, on a connection it accepted, says it is going away. Not before the first token:
 * there a whole server that answers nothing (stopped, or waking from its sleep with the listing's lock held)
 * is waited for to its first-token limit and said stuck, as before.
 * Gone: the failure the call ends with — `unreachable`, as a refused connection before any answer is (the
 * model and every other one served only there cool down, the replica is down, the health monitor brings it
 * back when its listing answers) — naming what was found. Alive, or no answer to the connect: undefined,
 * and nothing changes (a slow server is waited for as before).
 */
export async function serverGone(model: ModelSpec, how: Abnormal): Promise<Failure | undefined> {
  const port = await portState(model.baseUrl, { timeoutMs: PORT_LOOK_MS });
  const host = new URL(model.baseUrl).host;
  const refused = `${host} now refuses connections — nothing listens there any more (the server stopped or crashed: start it again)`;
  if (port === "refused") return goneFailure(model, how, { found: refused, detail: "ECONNREFUSED" });
  if (port !== "open" || ("silentMs" in how && !how.midAnswer)) return undefined;
  const listing = modelListingUrl(model.api, model.baseUrl);
  const look = await answerLook(listing, { timeoutMs: LISTING_LOOK_MS, headers: bearerHeaders(model) });
  const path = new URL(listing).pathname;
  if (look.state === "refused") return goneFailure(model, how, { found: refused, detail: "ECONNREFUSED" });
  if (look.state !== "silent") return undefined;
  return goneFailure(model, how, {
    found: `${host} still takes connections but did not answer GET ${path} within ${LISTING_LOOK_MS / 1000} s — it is shutting down, or hung (a llama-server whose shutdown hung keeps its port until it is killed: stop it with SIGKILL and start it again)`,
    detail: "no answer to its model listing",
  });
}

/** The failure a call whose server is gone ends with: `found`, what the look found, said after what the call saw. */
function goneFailure(model: ModelSpec, how: Abnormal, look: { found: string; detail: string }): Failure {
  return { kind: "unreachable", message: `${model.ref}: its server went away: ${what(model, how)}, and ${look.found}`, detail: look.detail };
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
 * aborts the call (`cancel`) at once, not at its limit — unless the call is over (`over()`), was aborted already, or
 * its reply moved on while the look ran (`progress()`: the parts seen so far; a server that answers again is not gone).
 */
export function goneWatch(model: ModelSpec, call: { cancel: AbortController; over: () => boolean; progress?: (() => number) | undefined }): GoneWatch {
  let ended: Failure | undefined;
  return {
    onSilent: (midAnswer) =>
      model.local
        ? (silentMs: number): void => {
            const seen = call.progress?.();
            void serverGone(model, { silentMs, midAnswer }).then((gone) => {
              if (!gone || call.over() || ended || call.cancel.signal.aborted || call.progress?.() !== seen) return;
              ended = gone;
              call.cancel.abort();
            }, () => undefined);
          }
        : undefined,
    endedWith: () => ended,
    said: (result, outer) => (result.ok || !ended || outer?.aborted === true || result.failure?.kind !== "aborted" ? result : { ...result, failure: ended }),
  };
}

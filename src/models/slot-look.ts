import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import type { ModelSpec } from "../ai/model-spec.js";
import { slotsFromLlamaCpp, type SlotsSeen } from "../ai/server-window.js";

/** How long a look at a server's slots may take: it starts this long before a call's stuck limit, so a hung server fails over no later than without it. */
export const SLOT_LOOK_MS = 2_000;

const LOOK_TIMEOUTS = { connectMs: 500, firstByteMs: SLOT_LOOK_MS, idleMs: SLOT_LOOK_MS, totalMs: SLOT_LOOK_MS };

/**
 * A look at what a local server says its slots are doing (llama.cpp `GET /slots`), for a call with no
 * first token at its stuck limit: a server whose every slot is busy and working is queueing the call,
 * not hung. Undefined where the server does not say (no answer in time, `--no-slots`, not llama.cpp).
 */
export class SlotLook {
  constructor(private readonly http: HttpClient) {}

  async slots(model: ModelSpec, signal: AbortSignal | undefined): Promise<SlotsSeen | undefined> {
    const origin = withBasePath(model.baseUrl, (path) => path.replace(/\/v1$/, ""));
    const answer = await requestJson(this.http, joinUrl(origin, "/slots"), { headers: bearerHeaders(model), timeouts: LOOK_TIMEOUTS, ...(signal ? { signal } : {}) });
    return answer.ok ? slotsFromLlamaCpp(answer.body) : undefined;
  }
}

import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";

/** A quick look (or quick check of a model that hung): a refused connection answers in a millisecond, a server that is up in a few; a hung one gets no more than this. */
export const QUICK_TIMEOUTS = { connectMs: 300, firstByteMs: 400, idleMs: 400, totalMs: 500 };

/** Whether a local server answers its model listing right now (any replica), within half a second. */
export interface ReachabilityCheck {
  answers(model: ModelSpec, signal?: AbortSignal): Promise<boolean>;
}

export function quickReachability(http: HttpClient): ReachabilityCheck {
  return {
    async answers(model, signal) {
      const headers = { ...bearerHeaders(model), ...model.headers };
      const answers = await Promise.all(
        model.replicas.map(async (url) => {
          const answer = await requestJson(http, modelListingUrl(model.api, url), { headers, timeouts: QUICK_TIMEOUTS, ...(signal ? { signal } : {}) });
          return answer.ok;
        }),
      );
      return answers.some(Boolean);
    },
  };
}

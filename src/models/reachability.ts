import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { listedModelIds, modelListingUrl, singleModelServed } from "../ai/model-listing.js";
import { baseUrlFix, webPageAdvice } from "../ai/endpoint-advice.js";
import { webPageHead } from "../ai/web-page-answer.js";
import { looksLikeLmStudio } from "./looks-like-lmstudio.js";
import { keyAdvice, keyWhereOf } from "./key-advice.js";
import { askServerKind } from "../ai/server-kind-probe.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Failure } from "../ai/types.js";

/** A quick look (or quick check of a model that hung): a refused connection answers in a millisecond, a server that is up in a few; a hung one gets no more than this. */
export const QUICK_TIMEOUTS = { connectMs: 300, firstByteMs: 400, idleMs: 400, totalMs: 500 };

/**
 * What a quick look at a local server's model listing found: it answers; it took the connection and
 * sent nothing in time (running, but stuck or busy); nothing is there (refused, no such host, no
 * connection in time); or it answered with an error (or dropped the connection). `message`: the failure's words.
 */
export type ServerLook = { state: "answers" } | { state: "hung" | "absent" | "error"; message: string; fix?: string | undefined; page?: true | undefined; notModelServer?: true | undefined };

/** What a look is kept under: the model and the address it was taken at (a look at an old baseUrl says nothing of the new one). */
export function lookKey(model: Pick<ModelSpec, "ref" | "baseUrl">): string {
  return `${model.ref}\u0000${model.baseUrl}`;
}

/** Whether a local server answers its model listing right now (any replica), within half a second; `look`: what it found, in detail. */
export interface ReachabilityCheck {
  answers(model: ModelSpec, signal?: AbortSignal): Promise<boolean>;
  look(model: ModelSpec, signal?: AbortSignal): Promise<ServerLook>;
}

/** Looks ranked best first: one that answers, else a server there (an error, then a hang), else nothing there. */
export const LOOK_RANK: Readonly<Record<ServerLook["state"], number>> = { answers: 0, error: 1, hung: 2, absent: 3 };

export function quickReachability(http: HttpClient): ReachabilityCheck {
  // `worded`: the fix for a model the server does not list is wanted (a look's words, shown); a turn's quick check needs only the state.
  const lookAt = async (model: ModelSpec, ask: { signal?: AbortSignal | undefined; worded: boolean }): Promise<ServerLook> => {
    const { signal } = ask;
    const headers = { ...bearerHeaders(model), ...model.headers };
    const looks = await Promise.all(
      model.replicas.map(async (url): Promise<ServerLook> => {
        const listing = modelListingUrl(model.api, url);
        const answer = await requestJson(http, listing, { headers, timeouts: QUICK_TIMEOUTS, ...(signal ? { signal } : {}) });
        // Judged by what it says: a 200 without a model list (or with LM Studio's "Unexpected endpoint") is no answer.
        const listed = answer.ok ? listedModelIds(answer.body) : undefined;
        // A listing without the model (LM Studio with JIT loading off lists only loaded ones) is a server that will not answer for it; a single-model llama-server answers any id.
        if (answer.ok && listed !== undefined) {
          if (listed.has(model.id) || singleModelServed(answer.body) !== undefined) return { state: "answers" };
          // The fix is told in the words of the server that answers there, asked as `models status --probe` asks.
          const kind = model.api === "ollama" ? "ollama" : ask.worded ? await askServerKind(http, { base: url, headers, timeouts: QUICK_TIMEOUTS, signal }) : undefined;
          return notListed(model, { listed, kind });
        }
        const failure: Failure = answer.ok ? { kind: "no-endpoint", status: answer.status, message: `GET ${new URL(listing).pathname} answered ${answer.status} without a model list` } : answer.failure;
        return lookOf(failure, { model, baseUrl: url });
      }),
    );
    return looks.reduce<ServerLook>((best, each) => (LOOK_RANK[each.state] < LOOK_RANK[best.state] ? each : best), { state: "absent", message: "no server to ask" });
  };
  return {
    look: (model, signal) => lookAt(model, { signal, worded: true }),
    async answers(model, signal) {
      return (await lookAt(model, { signal, worded: false })).state === "answers";
    },
  };
}

/** The server answered its listing without the model: what it has, and what to do — in the words of the server found there (`kind`), as `models status --probe` says it. */
function notListed(model: ModelSpec, found: { listed: ReadonlySet<string>; kind: "llamacpp" | "ollama" | undefined }): ServerLook {
  const has = [...found.listed].filter((id) => id !== "").slice(0, 3);
  return {
    state: "error",
    message: `it does not list "${model.id}"${has.length > 0 ? ` (it has ${has.map((id) => `"${id}"`).join(", ")})` : " (it lists no model)"}`,
    fix: `${loadWords(model, found.kind)}, or correct the id; \`hearth models status --probe\` says more`,
  };
}

/** How a model gets onto the server: Ollama pulls it, llama-server is started with it, LM Studio loads it; any other server in general words. */
function loadWords(model: ModelSpec, kind: "llamacpp" | "ollama" | undefined): string {
  if (kind === "ollama") return `pull it (\`ollama pull ${model.id}\`)`;
  if (kind === "llamacpp") return "start llama-server with that model (its -m), or use the id its /v1/models shows";
  if (looksLikeLmStudio(model)) return "load the model in LM Studio (with JIT loading off it lists only loaded models: `hearth models load` loads one)";
  return "load the model on the server (the id must be one its model list shows)";
}

/** A failed listing as a look: an answer with an error status, a connection that went quiet, or nothing there. */
function lookOf(failure: Failure, where: { model: ModelSpec; baseUrl: string }): ServerLook {
  const { api } = where.model;
  // A web page: the baseUrl's path first where its shape is wrong, "not a model server" only where nothing says the path is (webPageAdvice; no markup).
  if (failure.webPage) {
    const advice = webPageAdvice(where.model, failure.detail ?? "");
    const message = webPageHead(failure.message).replace(/^the server at \S+ answered /, "");
    return advice.notModelServer ? { state: "error", message, fix: advice.fix, page: true, notModelServer: true } : { state: "error", message: `${message}: ${advice.words}`, fix: advice.fix, page: true };
  }
  if (failure.kind === "no-endpoint") {
    const fix = baseUrlFix(where.baseUrl, api);
    return { state: "error", message: failure.message, fix: fix ? `the baseUrl's path is probably wrong (${fix.why}): set it to "${fix.suggested}"` : `${where.baseUrl} does not serve api "${api}": check the provider's baseUrl and api` };
  }
  // The key refused: where it goes, as `models status --probe` says it (keyAdvice, the one wording).
  if (failure.kind === "auth" && failure.status !== undefined) return { state: "error", message: `the server refused the API key (${failure.status})`, fix: keyAdvice(keyWhereOf(where.model)) };
  if (failure.status !== undefined || failure.kind === "stream-broken") return { state: "error", message: failure.message };
  if (failure.kind === "timeout" && failure.phase !== "connect") return { state: "hung", message: failure.message };
  return { state: "absent", message: failure.message };
}

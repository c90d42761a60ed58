import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";

/** A look at a loading server's `/health`: a few seconds at most (llama-server answers it at once, loading or not). */
const LOOK_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };
/** Replicas and models whose load is remembered; past this many the oldest is forgotten. */
const MAX_REMEMBERED = 256;

/** What a look at a server's `/health` found: it says it is loading (its words), or it says something else or nothing (undefined). */
export type HealthLook = { loading: true; said: string } | undefined;

/**
 * The loads servers said they were doing, per replica and model, for as long as the process runs: when
 * a server first answered that it is loading the model (llama.cpp's 503 "Loading model"), until it
 * answers for real or is found not there at all (refused: a server started again loads anew). Every
 * turn and session waits for one load on one clock — a load that outlasts `coldLoadTimeoutSeconds` is
 * not waited for again turn after turn. Also the cheap question asked while one loads: the server's
 * `/health` (llama.cpp answers it 503 "Loading model" while it loads, 200 once loaded), one look in
 * flight per server for every caller.
 */
export class ServerLoads {
  /** When each replica and model was first seen loading (clock time), in the order first seen. */
  private readonly since = new Map<string, number>();
  private readonly looking = new Map<string, Promise<HealthLook>>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /** When the server was first seen loading the model, not answered since; undefined: no load known. */
  loadingSince(model: ModelSpec, baseUrl: string): number | undefined {
    return this.since.get(key(model, baseUrl));
  }

  /** The server said it is loading the model: the load's start as remembered (`at` when none was: the call's start). */
  sawLoading(model: ModelSpec, baseUrl: string, at: number): number {
    const name = key(model, baseUrl);
    const known = this.since.get(name);
    if (known !== undefined) return known;
    if (this.since.size >= MAX_REMEMBERED) this.since.delete(this.since.keys().next().value as string);
    this.since.set(name, at);
    return at;
  }

  /** The model answered, or its server was not there: no load is known any more (the next one is counted from its own start). */
  forget(model: ModelSpec, baseUrl: string): void {
    this.since.delete(key(model, baseUrl));
  }

  /** How long ago the load began, on this clock. */
  loadingFor(since: number): number {
    return Math.max(0, this.clock.now() - since);
  }

  /**
   * Whether the server's `/health` (at its root, without the API's `/v1`) says it is loading: a 503 in the
   * words a loading server uses. Anything else — 200, 404, no answer in a few seconds — is no answer
   * (undefined): the caller sends its request and the server decides. Callers at the same time share one
   * look; `signal` only stops this caller's wait.
   */
  look(model: ModelSpec, baseUrl: string, signal: AbortSignal): Promise<HealthLook> {
    const url = joinUrl(
      withBasePath(baseUrl, (path) => path.replace(/\/v1$/, "")),
      "/health",
    );
    let look = this.looking.get(url);
    if (!look) {
      look = requestJson(this.http, url, { headers: bearerHeaders(model), timeouts: LOOK_TIMEOUTS })
        .then((answer): HealthLook => (!answer.ok && answer.failure.kind === "loading" ? { loading: true, said: answer.failure.detail ?? answer.failure.message } : undefined))
        .catch(() => undefined)
        .finally(() => this.looking.delete(url));
      this.looking.set(url, look);
    }
    return untilAborted(look, signal);
  }
}

function key(model: ModelSpec, baseUrl: string): string {
  return `${baseUrl}\u0000${model.id}`;
}

/** The look's answer, or undefined as soon as `signal` aborts (the shared look goes on for the others). */
function untilAborted(look: Promise<HealthLook>, signal: AbortSignal): Promise<HealthLook> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    void look.then((found) => {
      signal.removeEventListener("abort", onAbort);
      resolve(found);
    });
  });
}

import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { parseLmStudioListing } from "../ai/lmstudio/listing.js";
import { listedModelIds } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";

/** What LM Studio said of one model at one replica, and when. */
interface Known {
  loaded: boolean;
  context: number | undefined;
  toolUse: boolean | undefined;
  /** The most context the model supports (`max_context_length`). */
  maxContext?: number | undefined;
  /** Whether a request for it makes the server load it (JIT loading: the OpenAI listing holds it); asked only while it is not loaded. */
  loadsOnRequest?: boolean | undefined;
  at: number;
}

const PROBE_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };
const FRESH_MS = 20_000;
/** A server that had no native API is asked again after this long (LM Studio may have been started there since). */
const RECHECK_NATIVE_MS = 5 * 60_000;
/** Replicas whose native API's origin is kept; past this many the memory starts again. */
const MAX_ORIGINS = 256;

/**
 * Whether LM Studio has a model loaded, from its native REST API (`/api/v1/models`, else
 * `/api/v0/models`). Servers without that API are remembered as such for a few minutes; answers are
 * kept for a few seconds so a busy session does not ask every turn. Concurrent calls for one replica
 * and model share one look, and one warm-up.
 */
export class LoadState {
  private readonly nativePath = new Map<string, { path: string | null; at: number }>();
  private readonly known = new Map<string, Known>();
  private readonly looking = new Map<string, Promise<boolean | undefined>>();
  private readonly warming = new Map<string, Promise<void>>();
  /** When each replica and model last answered in this process. */
  private readonly answered = new Map<string, number>();
  private readonly origins = new Map<string, string>();
  /** Replicas and models whose address answered as another server since they last answered (notTheServer). */
  private readonly doubts = new Set<string>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /**
   * true / false from LM Studio; undefined when the server has no such API or did not answer. Callers
   * asking at the same time share one request (bounded by its own short timeouts); `signal` only
   * stops this caller's wait.
   */
  async isLoaded(model: ModelSpec, baseUrl: string, signal?: AbortSignal): Promise<boolean | undefined> {
    if (!model.local) return undefined;
    const key = `${baseUrl}\u0000${model.id}`;
    const cached = this.known.get(key);
    if (cached?.loaded && cached.context !== undefined && this.clock.now() - cached.at < FRESH_MS) return true;
    // A server without the native API, asked lately (llama.cpp, vLLM, …): nothing to look at, no wait on `signal` (every call asks).
    if (this.withoutListing(this.originOf(baseUrl))) return undefined;
    let look = this.looking.get(key);
    if (!look) {
      look = this.look(model, baseUrl, key).finally(() => this.looking.delete(key));
      this.looking.set(key, look);
    }
    return signal ? untilAborted(look, signal) : look;
  }

  /**
   * Runs `warmUp` (a minimal request that makes the server load the model) unless one is already
   * running for this replica and model; either way resolves when the warm-up in flight ends.
   */
  warmUp(model: ModelSpec, baseUrl: string, warmUp: () => Promise<void>): Promise<void> {
    const key = `${baseUrl}\u0000${model.id}`;
    let running = this.warming.get(key);
    if (!running) {
      running = warmUp()
        .catch(() => undefined)
        .finally(() => this.warming.delete(key));
      this.warming.set(key, running);
    }
    return running;
  }

  /** The server at `origin` had no native API when last asked, within RECHECK_NATIVE_MS. */
  private withoutListing(origin: string): boolean {
    const remembered = this.nativePath.get(origin);
    return remembered?.path === null && this.clock.now() - remembered.at < RECHECK_NATIVE_MS;
  }

  /** Where a replica's native API is: its base URL without the OpenAI-compatible `/v1` (made once per replica). */
  private originOf(baseUrl: string): string {
    let origin = this.origins.get(baseUrl);
    if (origin === undefined) {
      origin = withBasePath(baseUrl, (path) => path.replace(/\/v1$/, ""));
      if (this.origins.size >= MAX_ORIGINS) this.origins.clear();
      this.origins.set(baseUrl, origin);
    }
    return origin;
  }

  private async look(model: ModelSpec, baseUrl: string, key: string): Promise<boolean | undefined> {
    const origin = this.originOf(baseUrl);
    const headers = bearerHeaders(model);
    const remembered = this.nativePath.get(origin);
    if (this.withoutListing(origin)) return undefined;
    const paths = remembered?.path ? [remembered.path] : ["/api/v1/models", "/api/v0/models"];
    // Whether the OpenAI listing holds it (JIT loading on) matters only for a model not loaded: asked alongside unless it
    // was loaded when last seen (the usual case, which then costs nothing more), so finding it not loaded costs no second round trip.
    const listing = this.known.get(key)?.loaded === true ? undefined : this.listsModel(model, baseUrl, headers);
    for (const path of paths) {
      const answer = await requestJson(this.http, joinUrl(origin, path), { headers, timeouts: PROBE_TIMEOUTS });
      if (!answer.ok) {
        if (answer.failure.status === undefined) return undefined; // unreachable or cancelled: the call itself will say
        continue;
      }
      const models = parseLmStudioListing(answer.body);
      if (!models) continue;
      this.nativePath.set(origin, { path, at: this.clock.now() });
      const entry = models.find((candidate) => candidate.id === model.id);
      if (!entry) return undefined;
      // Not loaded: with JIT loading on LM Studio's /v1/models lists every downloaded model, with it off only the loaded ones.
      const loadsOnRequest = entry.loaded ? undefined : await (listing ?? this.listsModel(model, baseUrl, headers));
      this.known.set(key, { loaded: entry.loaded, context: entry.loadedContext, toolUse: entry.toolUse, maxContext: entry.maxContext, loadsOnRequest, at: this.clock.now() });
      return entry.loaded;
    }
    // A path that worked may fail once (a restart, an update): both are asked again next time.
    this.nativePath.set(origin, remembered?.path ? { path: null, at: 0 } : { path: null, at: this.clock.now() });
    return undefined;
  }

  /** Whether the OpenAI-compatible listing holds the model; undefined when it could not be read. */
  private async listsModel(model: ModelSpec, baseUrl: string, headers: Record<string, string>): Promise<boolean | undefined> {
    const answer = await requestJson(this.http, joinUrl(baseUrl, "/models"), { headers, timeouts: PROBE_TIMEOUTS }).catch(() => undefined);
    return answer?.ok ? listedModelIds(answer.body)?.has(model.id) : undefined;
  }

  /**
   * A model LM Studio had not loaded when last asked, and will not load on request (JIT loading off):
   * the context to load it with (contextWindow, at most what the model supports). Undefined otherwise. No I/O.
   */
  notLoadedOnRequest(model: ModelSpec, baseUrl = model.baseUrl): { loadContext: number } | undefined {
    const known = model.local ? this.known.get(`${baseUrl}\u0000${model.id}`) : undefined;
    if (known === undefined || known.loaded || known.loadsOnRequest !== false) return undefined;
    return { loadContext: known.maxContext !== undefined ? Math.min(model.contextWindow, known.maxContext) : model.contextWindow };
  }

  /** The model answered: it is loaded now (with the context last seen, if any). */
  markLoaded(model: ModelSpec, baseUrl: string): void {
    if (!model.local) return;
    const key = `${baseUrl}\u0000${model.id}`;
    this.answered.set(key, this.clock.now());
    this.doubts.delete(key);
    const known = this.known.get(key);
    this.known.set(key, { loaded: true, context: known?.context, toolUse: known?.toolUse, maxContext: known?.maxContext, at: this.clock.now() });
  }

  /**
   * The context length LM Studio loaded the model with, as last seen (it may be smaller than
   * configured); undefined if not known yet. No I/O: the router's probe during each call keeps it fresh.
   */
  knownContext(model: ModelSpec, baseUrl = model.baseUrl): number | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.context;
  }

  /** The most context LM Studio says the model supports (`max_context_length`), as last seen; undefined if not known. No I/O. */
  knownMaximum(model: ModelSpec, baseUrl = model.baseUrl): number | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.maxContext;
  }

  /**
   * What answers at this replica showed the model is not served there now (the connection refused, a 404 or a web
   * page on the model's path, the server saying it has no such model): that it answered is forgotten until it answers
   * again — "answered lately" no longer stands for "loaded" — and what was known of it there says not loaded (kept,
   * not dropped: a listing or a wait must not take an unknown for loaded).
   */
  notTheServer(model: ModelSpec, baseUrl: string): void {
    const key = `${baseUrl}\u0000${model.id}`;
    this.answered.delete(key);
    const known = this.known.get(key);
    if (known) this.known.set(key, { ...known, loaded: false, at: this.clock.now() });
    this.doubts.add(key);
  }

  /** Whether an answer at this replica since the model last answered there showed another server (notTheServer). */
  doubted(model: ModelSpec, baseUrl: string): boolean {
    return this.doubts.has(`${baseUrl}\u0000${model.id}`);
  }

  /** When the model last answered at this replica in this process (clock time); undefined: not since it was last found gone. */
  answeredAt(model: ModelSpec, baseUrl: string): number | undefined {
    return this.answered.get(`${baseUrl}\u0000${model.id}`);
  }

  /** Whether the model answered at this replica within `withinMs` in this process (it is very likely still loaded). */
  answeredRecently(model: ModelSpec, baseUrl: string, withinMs: number): boolean {
    const at = this.answered.get(`${baseUrl}\u0000${model.id}`);
    return at !== undefined && this.clock.now() - at <= withinMs;
  }

  /** Whether LM Studio had the model loaded, as last seen (a call that answered counts); undefined if not known. No I/O. */
  knownLoaded(model: ModelSpec, baseUrl = model.baseUrl): boolean | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.loaded;
  }

  /** Whether LM Studio says the model was trained for tool use, as last seen; undefined if not known. */
  knownToolUse(model: ModelSpec, baseUrl = model.baseUrl): boolean | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.toolUse;
  }
}

/** The look's answer, or undefined as soon as `signal` aborts (the shared look goes on for the others). */
function untilAborted(look: Promise<boolean | undefined>, signal: AbortSignal): Promise<boolean | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    void look.then(
      (loaded) => {
        signal.removeEventListener("abort", onAbort);
        resolve(loaded);
      },
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve(undefined);
      },
    );
  });
}

import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { parseLmStudioListing } from "../ai/lmstudio/listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";

const PROBE_TIMEOUTS = { connectMs: 1_000, firstByteMs: 2_000, idleMs: 2_000, totalMs: 3_000 };
const FRESH_MS = 20_000;

/**
 * Whether LM Studio has a model loaded, from its native REST API (`/api/v1/models`, else
 * `/api/v0/models`). Servers without that API are remembered as such and not asked again; answers are
 * kept for a few seconds so a busy session does not ask every turn.
 */
export class LoadState {
  private readonly nativePath = new Map<string, string | null>();
  private readonly known = new Map<string, { loaded: boolean; context: number | undefined; toolUse: boolean | undefined; at: number }>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
  ) {}

  /** true / false from LM Studio; undefined when the server has no such API or did not answer. */
  async isLoaded(model: ModelSpec, baseUrl: string, signal?: AbortSignal): Promise<boolean | undefined> {
    if (!model.local) return undefined;
    const key = `${baseUrl}\u0000${model.id}`;
    const cached = this.known.get(key);
    if (cached?.loaded && cached.context !== undefined && this.clock.now() - cached.at < FRESH_MS) return true;
    const origin = baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
    const headers = bearerHeaders(model);
    const paths = this.nativePath.has(origin) ? [this.nativePath.get(origin)] : ["/api/v1/models", "/api/v0/models"];
    for (const path of paths) {
      if (!path) return undefined;
      const answer = await requestJson(this.http, `${origin}${path}`, { headers, timeouts: PROBE_TIMEOUTS, ...(signal ? { signal } : {}) });
      if (!answer.ok) {
        if (answer.failure.status === undefined) return undefined; // unreachable or cancelled: the call itself will say
        continue;
      }
      const models = parseLmStudioListing(answer.body);
      if (!models) continue;
      this.nativePath.set(origin, path);
      const entry = models.find((candidate) => candidate.id === model.id);
      if (!entry) return undefined;
      this.known.set(key, { loaded: entry.loaded, context: entry.loadedContext, toolUse: entry.toolUse, at: this.clock.now() });
      return entry.loaded;
    }
    this.nativePath.set(origin, null);
    return undefined;
  }

  /** The model answered: it is loaded now (with the context last seen, if any). */
  markLoaded(model: ModelSpec, baseUrl: string): void {
    if (!model.local) return;
    const key = `${baseUrl}\u0000${model.id}`;
    const known = this.known.get(key);
    this.known.set(key, { loaded: true, context: known?.context, toolUse: known?.toolUse, at: this.clock.now() });
  }

  /**
   * The context length LM Studio loaded the model with, as last seen (it may be smaller than
   * configured); undefined if not known yet. No I/O: the router's probe during each call keeps it fresh.
   */
  knownContext(model: ModelSpec, baseUrl = model.baseUrl): number | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.context;
  }

  /** Whether LM Studio says the model was trained for tool use, as last seen; undefined if not known. */
  knownToolUse(model: ModelSpec, baseUrl = model.baseUrl): boolean | undefined {
    if (!model.local) return undefined;
    return this.known.get(`${baseUrl}\u0000${model.id}`)?.toolUse;
  }
}

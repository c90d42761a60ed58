import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import { askForAnswer } from "./ask-for-answer.js";
import type { Cooldowns } from "./cooldowns.js";
import type { ResolvedProvider } from "./resolve-providers.js";
import type { ReplicaBalancer } from "./replicas.js";
import type { AdapterSource } from "./router.js";

const PROBE_TIMEOUTS = { connectMs: 1_000, firstByteMs: 3_000, idleMs: 3_000, totalMs: 4_000 };
/** A test request to a model that stalled: a stalled server is told within 10 s. */
const STALL_CHECK_TIMEOUTS = { connectMs: 1_000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 15_000 };
/** A model that stalled is asked again at most this often (each ask is a real, if tiny, request). */
const STALL_CHECK_GAP_MS = 30_000;
/** A keep-warm request may have to wait for the server to load the model. */
const WARM_TIMEOUTS = { connectMs: 3_000, firstByteMs: 300_000, idleMs: 60_000, totalMs: 0 };

export interface HealthMonitorOptions {
  http: HttpClient;
  clock: Clock;
  cooldowns: Cooldowns;
  replicas: ReplicaBalancer;
  adapters: AdapterSource;
  providers: readonly ResolvedProvider[];
  /** How often cooling local providers are probed. */
  intervalMs?: number;
  /** A round that went wrong outside any model's answer (an adapter that could not be loaded); default: ignored. */
  onWarning?: (message: string) => void;
}

/**
 * For a long-running gateway: probes local providers that are cooling down and brings them back as
 * soon as they answer — a model that stalled (its server answers its listing while hung) only once it
 * answers a tiny real request, asked at most every 30 s — and keeps models with `keepWarm.intervalSeconds` loaded with a minimal request
 * to each replica (the request carries the provider's `ttl` / `keep_alive`). Nothing it does can
 * reject: a failure is a cooldown or a warning. `stop()` cancels the requests of the round in flight.
 */
export class HealthMonitor {
  private timer: { cancel(): void } | undefined;
  private readonly lastWarm = new Map<string, number>();
  /** When each stalled model was last asked for an answer. */
  private readonly lastStallCheck = new Map<string, number>();
  private running = false;
  private providers: readonly ResolvedProvider[];
  /** The requests of the round in flight, aborted by stop(). */
  private round: AbortController | undefined;

  constructor(private readonly options: HealthMonitorOptions) {
    this.providers = options.providers;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.round?.abort();
    this.round = undefined;
  }

  /** The providers after a config reload; models no longer configured are forgotten. */
  setProviders(providers: readonly ResolvedProvider[]): void {
    this.providers = providers;
    const refs = new Set<string>(providers.flatMap((provider) => provider.models.map((model) => model.ref)));
    for (const ref of [...this.lastWarm.keys()]) if (!refs.has(ref)) this.lastWarm.delete(ref);
    for (const ref of [...this.lastStallCheck.keys()]) if (!refs.has(ref)) this.lastStallCheck.delete(ref);
  }

  /** One round: probe cooling local providers, warm models that are due. Never rejects. */
  async tick(): Promise<void> {
    const round = new AbortController();
    this.round = round;
    try {
      const { cooldowns } = this.options;
      const providers = this.providers;
      const cooling = new Set(cooldowns.coolingProviders());
      /** The models whose refused key a request of this round asks about (one request per key, whichever provider asks first). */
      const keysAsked = new Set<string>();
      await Promise.all(providers.filter((provider) => provider.local && cooling.has(provider.id)).map((provider) => this.probe(provider, { signal: round.signal, keysAsked })));
      const now = this.options.clock.now();
      const due = providers.flatMap((provider) => provider.models).filter((model) => {
        if (model.keepWarmIntervalSeconds === undefined || model.source !== "config") return false;
        const last = this.lastWarm.get(model.ref);
        return last === undefined || now - last >= model.keepWarmIntervalSeconds * 1000;
      });
      await Promise.all(due.map((model) => this.warm(model, now, round.signal)));
    } catch (error) {
      this.options.onWarning?.(`health round failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (this.round === round) this.round = undefined;
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.options.intervalMs ?? 5_000);
  }

  private async probe(provider: ResolvedProvider, round: { signal: AbortSignal; keysAsked: Set<string> }): Promise<void> {
    const { signal, keysAsked } = round;
    const headers = bearerHeaders(provider);
    const answers = await Promise.all(
      provider.replicas.map(async (url) => {
        const answer = await requestJson(this.options.http, modelListingUrl(provider.api, url), { headers, timeouts: PROBE_TIMEOUTS, signal });
        if (answer.ok && !signal.aborted) this.options.replicas.markUp(url);
        return answer.ok;
      }),
    );
    if (signal.aborted || !answers.some(Boolean)) return;
    const { cooldowns, clock } = this.options;
    cooldowns.clearProvider(provider.id);
    const now = clock.now();
    const due = (model: ModelSpec): boolean => now - (this.lastStallCheck.get(model.ref) ?? -Infinity) >= STALL_CHECK_GAP_MS;
    // A model that stalled ends its cooldown only with an answer of its own.
    const stalled = provider.models.filter((model) => cooldowns.reason(model.ref) === "timeout" && cooldowns.current(model.ref)?.keyRefused === undefined && due(model));
    // A refused key (a listing may answer without it) is the key's: one model called with it is asked, and its answer
    // brings back every model the key was refused for (Cooldowns.succeed); the others are not asked in this round or the next 30 s.
    const keys: ModelSpec[] = [];
    for (const model of provider.models) {
      if (cooldowns.current(model.ref)?.keyRefused === undefined || keysAsked.has(model.ref) || !due(model)) continue;
      keys.push(model);
      for (const ref of cooldowns.sharingKey(model.ref)) {
        keysAsked.add(ref);
        this.lastStallCheck.set(ref, now);
      }
    }
    await Promise.all([...stalled, ...keys].map((model) => this.askStalled(model, now, signal)));
  }

  /** The server lists again, but the model stalled (or its key was refused): one tiny request; an answer ends its cooldown, silence leaves it. */
  private async askStalled(model: ModelSpec, now: number, signal: AbortSignal): Promise<void> {
    this.lastStallCheck.set(model.ref, now);
    let answer;
    try {
      answer = await askForAnswer(this.options.adapters, model, { timeouts: STALL_CHECK_TIMEOUTS, signal });
    } catch (error) {
      this.options.onWarning?.(`could not ask ${model.ref} whether it answers again: the ${model.api} adapter did not load (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    if (answer.ms !== null && !signal.aborted) this.options.cooldowns.succeed(model.ref);
  }

  private async warm(model: ModelSpec, now: number, signal: AbortSignal): Promise<void> {
    this.lastWarm.set(model.ref, now);
    let adapter;
    try {
      adapter = await this.options.adapters.get(model.api);
    } catch (error) {
      this.options.onWarning?.(`could not keep ${model.ref} warm: the ${model.api} adapter did not load (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    await Promise.all(
      model.replicas.map(async (baseUrl) => {
        const stream = adapter.stream({ ...model, baseUrl }, { messages: [{ role: "user", content: "ok" }] }, { maxTokens: 1, timeouts: WARM_TIMEOUTS, signal });
        for await (const event of stream) {
          if (event.type === "response-error" && event.failure.kind !== "aborted") this.options.cooldowns.fail(model.ref, event.failure);
        }
      }),
    );
  }
}

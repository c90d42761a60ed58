import { bearerHeaders } from "../ai/adapter.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { modelListingUrl } from "../ai/model-listing.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import type { Cooldowns } from "./cooldowns.js";
import type { ResolvedProvider } from "./resolve-providers.js";
import type { ReplicaBalancer } from "./replicas.js";
import type { AdapterSource } from "./router.js";

const PROBE_TIMEOUTS = { connectMs: 1_000, firstByteMs: 3_000, idleMs: 3_000, totalMs: 4_000 };

export interface HealthMonitorOptions {
  http: HttpClient;
  clock: Clock;
  cooldowns: Cooldowns;
  replicas: ReplicaBalancer;
  adapters: AdapterSource;
  providers: readonly ResolvedProvider[];
  /** How often cooling local providers are probed. */
  intervalMs?: number;
}

/**
 * For a long-running gateway: probes local providers that are cooling down and brings them back as
 * soon as they answer, and keeps models with `keepWarm.intervalSeconds` loaded with a minimal request.
 */
export class HealthMonitor {
  private timer: { cancel(): void } | undefined;
  private readonly lastWarm = new Map<string, number>();
  private running = false;

  constructor(private readonly options: HealthMonitorOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One round: probe cooling local providers, warm models that are due. */
  async tick(): Promise<void> {
    const { cooldowns, providers } = this.options;
    const cooling = new Set(cooldowns.coolingProviders());
    await Promise.all(providers.filter((provider) => provider.local && cooling.has(provider.id)).map((provider) => this.probe(provider)));
    const now = this.options.clock.now();
    const due = providers.flatMap((provider) => provider.models).filter((model) => {
      if (model.keepWarmIntervalSeconds === undefined || model.source !== "config") return false;
      return now - (this.lastWarm.get(model.ref) ?? 0) >= model.keepWarmIntervalSeconds * 1000;
    });
    await Promise.all(due.map((model) => this.warm(model, now)));
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.options.intervalMs ?? 5_000);
  }

  private async probe(provider: ResolvedProvider): Promise<void> {
    const headers = bearerHeaders(provider);
    const answers = await Promise.all(
      provider.replicas.map(async (url) => {
        const answer = await requestJson(this.options.http, modelListingUrl(provider.api, url), { headers, timeouts: PROBE_TIMEOUTS });
        if (answer.ok) this.options.replicas.markUp(url);
        return answer.ok;
      }),
    );
    if (answers.some(Boolean)) this.options.cooldowns.clearProvider(provider.id);
  }

  private async warm(model: ModelSpec, now: number): Promise<void> {
    this.lastWarm.set(model.ref, now);
    const adapter = await this.options.adapters.get(model.api);
    for await (const event of adapter.stream(model, { messages: [{ role: "user", content: "ok" }] }, { maxTokens: 1 })) {
      if (event.type === "response-error") this.options.cooldowns.fail(model.ref, event.failure);
    }
  }
}

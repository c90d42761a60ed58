import type { GatewayEvent } from "./port.js";
import { providerHealth, providersInUse, type HealthSources } from "./provider-health.js";

/** How soon listeners hear of a provider's new health after an answer (the answers of that moment told once). */
const HEALTH_NEWS_MS = 100;

/**
 * A provider's health changed (a first-token sample came in, a cooldown began or ended, it left the
 * providers in use): listeners hear of it within HEALTH_NEWS_MS — its new health, or that it left
 * (`provider-left`: in no chain, not cooling, no answer since the start). Told on every answer: worked
 * out only while someone listens, and once for all the answers of that moment (a busy gateway answers
 * hundreds a second; a chart needs one point).
 */
export class HealthNews {
  private readonly due = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: { listening: () => boolean; sources: () => HealthSources; publish: (event: GatewayEvent) => void }) {}

  announce(provider: string): void {
    if (!this.options.listening()) return;
    this.due.add(provider);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const due = [...this.due];
      this.due.clear();
      if (!this.options.listening()) return;
      const sources = this.options.sources();
      const inUse = providersInUse(sources);
      for (const name of due) {
        const models = inUse.get(name);
        if (models && models.length > 0) this.options.publish({ type: "provider-health", health: providerHealth(name, models, sources) });
        else this.options.publish({ type: "provider-left", provider: name });
      }
    }, HEALTH_NEWS_MS);
    this.timer.unref();
  }
}

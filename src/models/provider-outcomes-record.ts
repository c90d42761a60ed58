import { splitRef, type ModelRef } from "../ai/model-spec.js";
import type { FailureKind } from "../ai/types.js";
import type { Clock } from "../shared/clock.js";
import { COOLING_KINDS } from "./cooldowns.js";
import { firstTokenTiming } from "./first-token-timing.js";
import type { ProviderOutcomes, ProviderOutcomesFile } from "./provider-outcomes-file.js";
import type { RouterEvent } from "./router-events.js";

/**
 * What a command beside the gateway (`hearth agent`, `hearth chat`) learns of the providers it calls, written to
 * `provider-outcomes.json` for the gateway's provider panel: each attempt's first-token latency (timed as the
 * gateway's own FirstTokenRing times it) and each call that failed (its outcome kind). Kept until its route ends,
 * then written once (nothing new: nothing written).
 */
export class ProviderOutcomeRecorder {
  private pending: ProviderOutcomes = {};

  constructor(
    private readonly file: ProviderOutcomesFile,
    private readonly clock: Clock,
  ) {}

  /** A per-route observer, as FirstTokenRing's. */
  route(): (event: RouterEvent) => void {
    return firstTokenTiming(this.clock, {
      firstToken: (model, sample) => this.outcome(model).answers.push([sample.at, sample.ms]),
      // A failure of the provider's, as the gateway's own would cool it: not a request too large for it, a call cancelled, a model still loading.
      failed: (attempt) => {
        if (COOLING_KINDS.has(attempt.outcome as FailureKind)) this.outcome(attempt.model).failed = { at: this.clock.now(), outcome: attempt.outcome };
      },
      ended: () => this.flush(),
    });
  }

  private outcome(model: ModelRef): ProviderOutcomes[string] {
    const provider = splitRef(model)?.provider ?? model;
    const outcome = this.pending[provider] ?? { answers: [] };
    this.pending[provider] = outcome;
    return outcome;
  }

  private flush(): void {
    if (Object.keys(this.pending).length === 0) return;
    const outcomes = this.pending;
    this.pending = {};
    this.file.save(outcomes);
  }
}

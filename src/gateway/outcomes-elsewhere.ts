import type { FailureKind } from "../ai/types.js";
import { longestWait } from "../models/cooldowns.js";
import type { ProviderOutcome, ProviderOutcomesFile } from "../models/provider-outcomes-file.js";

/** The coarsest step a file system stamps a write with (FAT's two seconds), and a tick. */
const STAMP_STEP_MS = 2_100;

/**
 * What the hearth commands beside the gateway (`hearth agent`, `hearth chat`) found of the providers since the
 * gateway started, from `provider-outcomes.json`: read again only when the file's size or time changed (a stat per
 * look: the health is worked out every 2 s and per status request), and only what came since the start — as the
 * gateway's own first-token samples are. A failure they found counts only for as long as the gateway's own cooldown
 * of its kind would have lasted (`failedFor`): then the provider is judged as if it had not been heard of.
 */
export class OutcomesElsewhere {
  private seen: { size: number; mtimeMs: number } | undefined;
  private outcomes: ReadonlyMap<string, ProviderOutcome> = new Map();

  constructor(
    private readonly file: ProviderOutcomesFile,
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  current(): ReadonlyMap<string, ProviderOutcome> {
    const now = this.now();
    const current = new Map<string, ProviderOutcome>();
    for (const [provider, outcome] of this.read()) {
      const failed = outcome.failed && now - outcome.failed.at < failedFor(outcome.failed.outcome) ? outcome.failed : undefined;
      if (outcome.answers.length > 0 || failed) current.set(provider, { answers: outcome.answers, ...(failed ? { failed } : {}) });
    }
    return current;
  }

  private read(): ReadonlyMap<string, ProviderOutcome> {
    const look = this.file.look();
    // A file written within a stamp's step of now may be written again with the same size and stamp: read until it is older.
    const settled = look === undefined || this.now() - look.mtimeMs > STAMP_STEP_MS;
    if (settled && look?.size === this.seen?.size && look?.mtimeMs === this.seen?.mtimeMs) return this.outcomes;
    this.seen = look;
    const since = new Map<string, ProviderOutcome>();
    for (const [provider, outcome] of Object.entries(look ? this.file.load() : {})) {
      const answers = outcome.answers.filter(([at]) => at >= this.startedAt);
      const failed = outcome.failed && outcome.failed.at >= this.startedAt ? outcome.failed : undefined;
      if (answers.length > 0 || failed) since.set(provider, { answers, ...(failed ? { failed } : {}) });
    }
    this.outcomes = since;
    return since;
  }
}

/**
 * How long a failure a command found counts: the first backoff the gateway would have given a failure of that kind
 * itself (15 s; a hang 2 min) — as long as its own failure would show the provider cooling.
 */
export function failedFor(outcome: string): number {
  return longestWait({ failures: 1, kind: outcome as FailureKind });
}

import { join } from "node:path";
import * as z from "zod";
import { fileLook, mergedStateFile } from "./merged-state-file.js";

/** How many first-token samples the file keeps per provider (the newest). */
export const OUTCOME_SAMPLES = 20;
/** How many providers the file keeps (those heard of last). */
const OUTCOME_PROVIDERS = 64;
/** A provider not heard of for this long is dropped when the file is written. */
const FORGET_AFTER_MS = 24 * 3_600_000;

/** What became of one provider's calls in the commands beside the gateway (`hearth agent`, `hearth chat`): numbers, times and outcome kinds only. */
export interface ProviderOutcome {
  /** First-token latencies, oldest first: `[when (ms since the epoch), ms]`. */
  answers: [number, number][];
  /** The last call that failed: when, and its outcome ("unreachable", "timeout", "rate-limit"…; never the server's words). */
  failed?: { at: number; outcome: string } | undefined;
}

export type ProviderOutcomes = Record<string, ProviderOutcome>;

/** The longest provider id the file holds: one longer is neither written nor read (the config bounds none; the panel then goes without it). */
const PROVIDER_ID_MAX = 200;

/** One provider's outcomes as hearth writes them; fields a newer hearth adds are ignored, and only the newest OUTCOME_SAMPLES answers read. */
const outcomeSchema = z.object({
  answers: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])).transform((answers) => answers.slice(-OUTCOME_SAMPLES)),
  failed: z.object({ at: z.number().int().nonnegative(), outcome: z.string().regex(/^[a-z-]{1,40}$/) }).optional(),
});

/** Whether the file holds outcomes under this provider id (what is written is what is read). */
function heldUnder(provider: string): boolean {
  return provider.length >= 1 && provider.length <= PROVIDER_ID_MAX;
}

/** The providers' outcomes of the file's text that this hearth can read, and what it skipped (a line each); not ok: no object of outcomes at all. */
function readOutcomes(text: string): { ok: true; value: ProviderOutcomes; skipped: string[] } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not a provider outcomes object" };
  const value: ProviderOutcomes = {};
  const skipped: string[] = [];
  for (const [provider, outcome] of Object.entries(parsed)) {
    const read = outcomeSchema.safeParse(outcome);
    if (heldUnder(provider) && read.success) {
      value[provider] = read.data;
      continue;
    }
    const issue = read.success ? undefined : read.error.issues[0];
    skipped.push(heldUnder(provider) ? `${[provider, ...(issue?.path.map(String) ?? [])].join(".")}: ${issue?.message ?? "not a provider's outcomes"}` : `a provider id of ${provider.length} characters (at most ${PROVIDER_ID_MAX} are kept)`);
  }
  return { ok: true, value, skipped };
}

export interface ProviderOutcomesFile {
  /** What the file holds now (a missing or damaged one: nothing). */
  load(): ProviderOutcomes;
  /** Merges these outcomes into the file's, under its lock, through a rename; never throws. */
  save(outcomes: ProviderOutcomes): void;
  /** The file's size and time (undefined: none), to tell whether it changed since it was read. */
  look(): { size: number; mtimeMs: number } | undefined;
}

/**
 * `provider-outcomes.json` in the state dir: what the hearth commands beside a gateway learned of the providers they
 * called — each provider's recent first-token latencies and its last failure — so that the gateway's provider panel
 * says what they saw too (an answer, a failure), which otherwise only the process that made the call knows. Written
 * once per model call that had news (a lock, a read, a rename of a file of a few kB; no fsync: it only informs), merged
 * as cooldowns.json is: each provider's samples of every writer kept (the newest OUTCOME_SAMPLES), its latest failure.
 * Holds provider names, times, milliseconds and outcome kinds — no text of a server or a conversation, no key.
 * Read leniently (a newer hearth may have written it): fields this hearth does not know are ignored, and a provider's
 * entry it cannot read is skipped, said once; only a file that is no object of outcomes at all is set aside.
 */
export function providerOutcomesFile(stateDir: string, options: { onWarning?: ((line: string) => void) | undefined; now?: (() => number) | undefined } = {}): ProviderOutcomesFile {
  const file = join(stateDir, "provider-outcomes.json");
  const now = options.now ?? Date.now;
  const warn = options.onWarning ?? (() => undefined);
  /** The skipped entries already said (a gateway reads the file at each change: each is said once). */
  const skippedSaid = new Set<string>();
  const state = mergedStateFile<ProviderOutcomes>({
    file,
    words: { holds: "the providers' outcomes", kind: "provider outcomes", afterReadFailed: "the gateway's provider panel goes on without them", afterSaveFailed: "the gateway's provider panel does not hear of this process's calls until it can be written", startedWith: "none" },
    parse: (text) => {
      const read = readOutcomes(text);
      if (!read.ok) return read;
      for (const line of read.skipped) {
        if (skippedSaid.has(line)) continue;
        skippedSaid.add(line);
        warn(`${file}: ${line}; that entry is skipped (a newer hearth's, or hand-edited), the others are read`);
      }
      return { ok: true, value: read.value };
    },
    empty: () => ({}),
    warn,
    now,
  });
  return {
    load: state.load,
    save: (outcomes) => state.save((onDisk) => mergeOutcomes(onDisk, outcomes, now())),
    look: () => fileLook(file),
  };
}

/** The file's outcomes with these merged in: every writer's samples (the newest kept), the later failure; providers quiet for a day, and past the bound, dropped. */
export function mergeOutcomes(onDisk: ProviderOutcomes, mine: ProviderOutcomes, now: number): ProviderOutcomes {
  const merged = new Map<string, ProviderOutcome>();
  for (const [provider, theirs] of Object.entries(onDisk)) merged.set(provider, theirs);
  for (const [provider, outcome] of Object.entries(mine)) {
    // An id the file does not hold is not written (its read would skip it).
    if (!heldUnder(provider)) continue;
    const theirs = merged.get(provider);
    const seen = new Set<string>();
    const answers = [...(theirs?.answers ?? []), ...outcome.answers]
      .filter(([at, ms]) => !seen.has(`${at}:${ms}`) && (seen.add(`${at}:${ms}`), true))
      .sort((a, b) => a[0] - b[0])
      .slice(-OUTCOME_SAMPLES);
    const failed = [theirs?.failed, outcome.failed].filter((each) => each !== undefined).sort((a, b) => b.at - a.at)[0];
    merged.set(provider, { answers, ...(failed ? { failed } : {}) });
  }
  const heard = (outcome: ProviderOutcome): number => Math.max(outcome.answers.at(-1)?.[0] ?? 0, outcome.failed?.at ?? 0);
  const kept = [...merged].filter(([, outcome]) => heard(outcome) > now - FORGET_AFTER_MS).sort((a, b) => heard(b[1]) - heard(a[1]));
  return Object.fromEntries(kept.slice(0, OUTCOME_PROVIDERS));
}

import { join } from "node:path";
import * as z from "zod";
import { FAILURE_KINDS } from "../ai/types.js";
import { fingerprintKeyBeside } from "./fingerprint-key.js";
import { fileLook, mergedStateFile } from "./merged-state-file.js";
import { DEFAULT_COOLDOWN, withinReach, type CooldownEntry, type CooldownPersistence, type CooldownSettings } from "./cooldowns.js";

export interface CooldownFileOptions {
  /** A damaged file set aside, or one that cannot be read, is reported here; default: ignored. */
  onWarning?: ((message: string) => void) | undefined;
  /** For the bounds of `until`; default: the system clock. */
  now?: (() => number) | undefined;
  /** Another process's entry this long past its end is dropped when the file is written; default: 10 minutes (the longest backoff). */
  forgetAfterMs?: number | undefined;
  /** The backoffs, for the longest wait an entry may still have (`withinReach`); default: DEFAULT_COOLDOWN. */
  settings?: CooldownSettings | undefined;
  /** Which cooldowns this process writes and takes (`CooldownPersistence.shares`); default: "costly". */
  shares?: "every" | "costly" | undefined;
}

/** What a save that fails comes to: the cooldowns of this process still hold, in memory. */
const SAVE_FAILED = "cooldowns are kept in this process only (other hearth commands do not see them) until it can be written";

const YEAR_2000 = Date.UTC(2000, 0, 1);
const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * One entry as hearth writes it: failures in a row, until when (ms since the epoch, never beyond a week ahead), and
 * why (a refused key: which one to fix). Fields a newer hearth adds are ignored (dropped on read).
 */
function entrySchema(now: number) {
  return z.object({
    failures: z.number().int().min(1).max(10_000),
    until: z.number().int().min(YEAR_2000).max(now + WEEK_MS),
    kind: z.enum(FAILURE_KINDS),
    // Written since hearth records which timeout fired; older files have none.
    phase: z.enum(["connect", "first-byte", "idle", "total"]).optional(),
    retryAfterMs: z.number().int().min(0).max(WEEK_MS).optional(),
    // Written since a refused key cools every model called with it: which key to fix, in words (never the key).
    keyRefused: z.object({ why: z.string().max(1_000), keyHash: z.string().regex(/^(?:[0-9a-f]{16})?$/, "16 hex digits, or empty").optional(), at: z.number().int().nonnegative().optional(), fix: z.string().max(1_000).optional() }).optional(),
  });
}

/**
 * Cooldowns kept in a small JSON file in the state dir, so that one-shot commands (`hearth agent`)
 * skip a model that just failed instead of waiting on it again. A running gateway and a command
 * beside it share the file: each write reads it again under a short lock (`cooldowns.json.lock`, by
 * proper-lockfile), keeps the other process's entries, puts this process's own over them (the later
 * `until` wins where both hold one), drops what this process ended and what expired long ago, and
 * writes the result through a rename. An end further off than hearth would ever set for the entry
 * (`withinReach`: a clock that ran ahead wrote it) is cut to that, when read and when merged. A missing file is an empty one; a file that is not what hearth
 * writes (not JSON, not an object of entries) is set aside as `cooldowns.json.bad-<time>` with a
 * warning and treated as empty. It is read leniently, as a file a newer hearth wrote may be: fields this
 * hearth does not know are ignored, and an entry it cannot read (hand-edited, absurd times, a failure kind
 * it does not know, a key that is no model ref) is skipped, said once — never the whole file for it.
 */
export function cooldownFile(file: string, options: CooldownFileOptions = {}): CooldownPersistence {
  const warn = options.onWarning ?? (() => undefined);
  const now = options.now ?? Date.now;
  const forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
  const settings = options.settings ?? DEFAULT_COOLDOWN;
  /** The skipped entries already said (a gateway reads the file at each change: each is said once). */
  const skippedSaid = new Set<string>();
  const reachable = (entries: Record<string, CooldownEntry>): Record<string, CooldownEntry> => {
    const at = now();
    return Object.fromEntries(Object.entries(entries).map(([ref, entry]) => [ref, withinReach(entry, at, settings)]));
  };
  const state = mergedStateFile<Record<string, CooldownEntry>>({
    file,
    words: { holds: "the cooldowns", kind: "cooldowns", afterReadFailed: "going on without remembered cooldowns", afterSaveFailed: SAVE_FAILED, startedWith: "no cooldowns" },
    parse: (text) => {
      const read = readEntries(text, now());
      if (!read.ok) return read;
      for (const line of read.skipped) {
        if (skippedSaid.has(line)) continue;
        skippedSaid.add(line);
        warn(`${file}: ${line}; that entry is skipped (a newer hearth's, or hand-edited), the others are read`);
      }
      return { ok: true, value: reachable(read.entries) };
    },
    empty: () => ({}),
    warn,
    now,
  });
  return {
    load: state.load,
    fingerprintKey: () => fingerprintKeyBeside(file),
    shares: options.shares ?? "costly",
    look: () => fileLook(file),
    save(entries: Record<string, CooldownEntry>, removed: readonly string[] = []): void {
      // Cooldowns only save time: a state dir that cannot take them must not fail a turn (it is said once).
      state.save((onDisk) => {
        const merged: Record<string, CooldownEntry> = {};
        const oldest = now() - forgetAfterMs;
        for (const [ref, entry] of Object.entries(onDisk)) if (entry.until > oldest && !removed.includes(ref)) merged[ref] = entry;
        for (const [ref, entry] of Object.entries(reachable(entries))) {
          const theirs = merged[ref];
          if (!theirs || theirs.until <= entry.until) merged[ref] = entry;
        }
        return merged;
      });
    },
  };
}

/** The entries of the file's text that this hearth can read, and what it skipped (a line each); not ok: no object of entries at all. */
function readEntries(text: string, now: number): { ok: true; entries: Record<string, CooldownEntry>; skipped: string[] } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, reason: "not a cooldowns object" };
  const schema = entrySchema(now);
  const entries: Record<string, CooldownEntry> = {};
  const skipped: string[] = [];
  for (const [ref, value] of Object.entries(parsed)) {
    if (!/^[^/]+\/.+$/.test(ref)) {
      skipped.push(`"${ref.slice(0, 80)}" is not a model ref (provider/model)`);
      continue;
    }
    const entry = schema.safeParse(value);
    if (entry.success) {
      entries[ref] = entry.data;
      continue;
    }
    const issue = entry.error.issues[0];
    skipped.push(`${[ref, ...(issue?.path.map(String) ?? [])].join(".")}: ${issue?.message ?? "not a cooldown"}`);
  }
  return { ok: true, entries, skipped };
}

/** The cooldowns file of a state dir. */
export function cooldownFileIn(stateDir: string, options: CooldownFileOptions = {}): CooldownPersistence {
  return cooldownFile(join(stateDir, "cooldowns.json"), options);
}

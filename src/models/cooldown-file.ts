import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CooldownEntry, CooldownPersistence } from "./cooldowns.js";

/**
 * Cooldowns kept in a small JSON file in the state dir, so that one-shot commands (`hearth agent`)
 * skip a model that just failed instead of waiting on it again. Written whole, through a rename; a
 * damaged or missing file is an empty one.
 */
export function cooldownFile(file: string): CooldownPersistence {
  return {
    load(): Record<string, CooldownEntry> {
      try {
        const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
        return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, CooldownEntry>) : {};
      } catch {
        return {};
      }
    },
    save(entries: Record<string, CooldownEntry>): void {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify(entries), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        // Cooldowns only save time: a read-only state dir must not fail a turn.
      }
    },
  };
}

/** The cooldowns file of a state dir. */
export function cooldownFileIn(stateDir: string): CooldownPersistence {
  return cooldownFile(join(stateDir, "cooldowns.json"));
}

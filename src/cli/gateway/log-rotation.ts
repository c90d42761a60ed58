import { chmodSync, closeSync, existsSync, openSync, renameSync, statSync, unlinkSync } from "node:fs";

export interface RotationLimits {
  /** A log this large is set aside at the next check. */
  maxBytes: number;
  /** How many set-aside logs are kept: `gateway.log.1` (newest) … `gateway.log.<keep>`. */
  keep: number;
  /** How often the size is checked. */
  checkMs: number;
}

/** 10 MiB a file, three old ones: the log never takes more than 40 MiB of the state dir. */
export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 10 * 1024 * 1024, keep: 3, checkMs: 30_000 };

/** Creates the log file owner-only (it names sessions, models and servers) if it is not there. */
export function ensureLogFile(file: string): void {
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
}

/**
 * Sets `file` aside as `file.1` (shifting older ones up, dropping the one past `keep`) when it has
 * reached `maxBytes`, and starts a new empty one; returns whether it did. The writer then reopens
 * its path (pino's destination `reopen()`), as it would after logrotate.
 */
export function rotateIfLarge(file: string, limits: Pick<RotationLimits, "maxBytes" | "keep">): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size < limits.maxBytes) return false;
  const aside = (index: number): string => `${file}.${index}`;
  if (existsSync(aside(limits.keep))) unlinkSync(aside(limits.keep));
  for (let index = limits.keep - 1; index >= 1; index--) if (existsSync(aside(index))) renameSync(aside(index), aside(index + 1));
  renameSync(file, aside(1));
  ensureLogFile(file);
  return true;
}

import type { FileLook } from "./session-watch.js";

/** A session file found gone or unreadable: any file there later is a change. */
const NO_FILE: FileLook = { size: -1, mtimeMs: -1 };

/** The file system stamps a write with a coarse clock (up to a tick behind the process's): a file stamped this much before a watch began may have been written after it. */
const COARSE_STAMP_MS = 100;

/** How a session file looked when last noted; `undefined`: no look of it is held. */
export type NotedLook = FileLook | undefined;

/**
 * How each session file looked when this process last wrote it or told a change of it (its watch, or a turn
 * that found another's write as it took the lock): what decides whether a change is news. Its reads are none:
 * a page reading another process's write says nothing of what the other pages were shown. A file found gone or
 * unreadable is noted so: put back later, even as it was, it is a change. Bounded (the least recently noted go first).
 */
export class SessionLooks {
  private readonly looks = new Map<string, FileLook>();
  /** The watches running, each with when it began: what changed before the first began, its listeners read as it is. */
  private readonly watches = new Set<{ since: number }>();

  constructor(private readonly options: { bound: number; now: () => number }) {}

  /** This process wrote the file, or told of a change to it: it looks so now (`undefined`: gone, or unreadable). */
  note(key: string, look: FileLook | undefined): void {
    this.looks.delete(key);
    this.looks.set(key, look ? { size: look.size, mtimeMs: look.mtimeMs } : NO_FILE);
    const oldest = this.looks.keys().next().value;
    if (this.looks.size > this.options.bound && oldest !== undefined) this.looks.delete(oldest);
  }

  /** The look last noted of the file (taken before a stat, to judge the stat's look against: see `news`). */
  noted(key: string): NotedLook {
    return this.looks.get(key);
  }

  /** Whether the file looks as last noted (this process's own write, or a change told already). */
  isNoted(key: string, look: FileLook): boolean {
    const noted = this.looks.get(key);
    return noted !== undefined && noted.size === look.size && noted.mtimeMs === look.mtimeMs;
  }

  /**
   * Whether the file, looking as `look` now, was written by another process since `noted` (taken before the look)
   * — and if so it is noted as told. A file no look of which is held counts only when stamped since the watch
   * began (its listeners read it as it is when they came); none running, nothing was told and nothing is news.
   */
  news(key: string, noted: NotedLook, look: FileLook | undefined): boolean {
    if (!look) return false;
    const since = Math.min(...[...this.watches].map((watch) => watch.since));
    const changed = noted ? noted.size !== look.size || noted.mtimeMs !== look.mtimeMs : look.mtimeMs >= since - COARSE_STAMP_MS;
    if (changed || !this.looks.has(key)) this.note(key, look);
    return changed;
  }

  /** A watch begins: when the first does, what was noted before is forgotten (its listeners read the sessions afresh). Returns its end. */
  watchBegan(): () => void {
    if (this.watches.size === 0) this.looks.clear();
    const watch = { since: this.options.now() };
    this.watches.add(watch);
    return () => {
      this.watches.delete(watch);
    };
  }
}

import type { FileLook } from "./session-watch.js";

/** A session file found gone or unreadable: any file there later is a change. */
const NO_FILE: FileLook = { size: -1, mtimeMs: -1 };

/** The file system stamps a write with a coarse clock (up to a tick behind the process's): a file stamped this much before a watch began may have been written after it. */
const COARSE_STAMP_MS = 100;

/** The steps of file systems that stamp whole seconds (most network ones, ext3) or even ones (FAT): a write is stamped up to a step before it happened. */
const SECOND_STAMP_MS = 1_000;
const TWO_SECOND_STAMP_MS = 2_000;

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
  /**
   * The newest stamp of a look the bound dropped since the first watch began (-Infinity: none dropped): a file with no
   * look held and stamped no later than this may be one of them, unchanged since this process noted it.
   */
  private droppedStamp = Number.NEGATIVE_INFINITY;
  /** What the stamps seen so far say of the file system's step: one finer than a second, one on an odd second. */
  private readonly stamps = { subSecond: false, oddSecond: false };

  constructor(private readonly options: { bound: number; now: () => number }) {}

  /** This process wrote the file, or told of a change to it: it looks so now (`undefined`: gone, or unreadable). */
  note(key: string, look: FileLook | undefined): void {
    if (look) this.stamped(look);
    this.looks.delete(key);
    this.looks.set(key, look ? { size: look.size, mtimeMs: look.mtimeMs } : NO_FILE);
    const oldest = this.looks.keys().next().value;
    if (this.looks.size <= this.options.bound || oldest === undefined) return;
    this.droppedStamp = Math.max(this.droppedStamp, this.looks.get(oldest)?.mtimeMs ?? Number.NEGATIVE_INFINITY);
    this.looks.delete(oldest);
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
   * began (its listeners read it as it is when they came; the stamp may lag the write by the file system's step,
   * `stampAllowance`); none running, nothing was told and nothing is news. Nor is one stamped no later than a look
   * the bound dropped (`droppedStamp`): it may be that look, as this process noted it — not noted either, so that
   * the watch still tells it if it is another process's write not told yet.
   */
  news(key: string, noted: NotedLook, look: FileLook | undefined): boolean {
    if (!look) return false;
    this.stamped(look);
    const since = Math.min(...[...this.watches].map((watch) => watch.since));
    const sinceWatch = look.mtimeMs >= since - this.stampAllowance();
    const maybeDropped = !noted && sinceWatch && look.mtimeMs <= this.droppedStamp;
    const changed = noted ? noted.size !== look.size || noted.mtimeMs !== look.mtimeMs : sinceWatch && !maybeDropped;
    if (changed || (!this.looks.has(key) && !maybeDropped)) this.note(key, look);
    return changed;
  }

  /**
   * How long before a watch began a file may be stamped and still have been written after it: a tick of the kernel's
   * coarse clock where the stamps seen are finer than a second, else the file system's step too (a second, or two
   * where every stamp seen fell on an even one; two until a stamp is seen).
   */
  stampAllowance(): number {
    if (this.stamps.subSecond) return COARSE_STAMP_MS;
    return (this.stamps.oddSecond ? SECOND_STAMP_MS : TWO_SECOND_STAMP_MS) + COARSE_STAMP_MS;
  }

  /** A stamp seen: what it says of the file system's step. */
  private stamped(look: FileLook): void {
    if (look.mtimeMs % SECOND_STAMP_MS !== 0) this.stamps.subSecond = true;
    else if (look.mtimeMs % TWO_SECOND_STAMP_MS !== 0) this.stamps.oddSecond = true;
  }

  /** A watch begins: when the first does, what was noted before is forgotten (its listeners read the sessions afresh). Returns its end. */
  watchBegan(): () => void {
    if (this.watches.size === 0) {
      this.looks.clear();
      this.droppedStamp = Number.NEGATIVE_INFINITY;
    }
    const watch = { since: this.options.now() };
    this.watches.add(watch);
    return () => {
      this.watches.delete(watch);
    };
  }
}

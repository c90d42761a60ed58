import { watch as fsWatch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { isSessionKey } from "./session-store.js";

/** How a session file looks: its size and mtime (a change to either is a write). */
export interface FileLook {
  size: number;
  mtimeMs: number;
}

export interface SessionWatchOptions {
  /** The sessions directory (it exists). */
  dir: string;
  /** Told the key of each session file that changed, once per burst of writes, with how the file looked then (`undefined`: gone or unreadable). */
  onChange: (key: string, look: FileLook | undefined) => void;
  /** Whether the file looks as this process's own last write to it left it, or as a change to it was told (told once; its reads are no reason to hide a change). */
  isOwn: (key: string, look: FileLook) => boolean;
  /** A burst of writes to one file is told once, this long after its first (default 50 ms). */
  settleMs?: number | undefined;
  /** Where the directory cannot be watched (no inotify left, a network file system): how often it is looked at instead (default 1000 ms). */
  pollMs?: number | undefined;
  /** fs.watch (tests pass one that fails, to see the fallback). */
  watcher?: typeof fsWatch | undefined;
}

/**
 * Watches the sessions directory for session files written by other processes: fs.watch on the
 * directory; where that cannot be had (or fails later), the files' sizes and mtimes looked at every
 * `pollMs`. A change whose file looks as this process last left it (its own write) is not told.
 * Returns the function that stops it.
 */
export function watchSessions(options: SessionWatchOptions): () => void {
  const settleMs = options.settleMs ?? 50;
  const pending = new Map<string, NodeJS.Timeout>();
  let stopped = false;
  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;

  const check = async (key: string): Promise<void> => {
    const look = await stat(join(options.dir, `${key}.jsonl`)).catch(() => undefined);
    if (stopped || (look && options.isOwn(key, look))) return;
    options.onChange(key, look);
  };
  const changed = (key: string): void => {
    if (stopped || pending.has(key)) return;
    const timer = setTimeout(() => {
      pending.delete(key);
      void check(key);
    }, settleMs);
    timer.unref();
    pending.set(key, timer);
  };

  const startPolling = (): void => {
    const seen = new Map<string, string>();
    const look = async (tell: boolean): Promise<void> => {
      const names = await readdir(options.dir).catch(() => [] as string[]);
      const now = new Map<string, string>();
      for (const name of names) {
        const key = name.endsWith(".jsonl") ? name.slice(0, -".jsonl".length) : "";
        if (!isSessionKey(key)) continue;
        const stats = await stat(join(options.dir, name)).catch(() => undefined);
        if (stats) now.set(key, `${stats.size}:${stats.mtimeMs}`);
      }
      if (tell) for (const [key, value] of now) if (seen.get(key) !== value) changed(key);
      if (tell) for (const key of seen.keys()) if (!now.has(key)) changed(key);
      seen.clear();
      for (const [key, value] of now) seen.set(key, value);
    };
    let looking = look(false);
    poller = setInterval(() => {
      looking = looking.then(() => (stopped ? undefined : look(true)));
    }, options.pollMs ?? 1000);
    poller.unref();
  };

  try {
    watcher = (options.watcher ?? fsWatch)(options.dir, { persistent: false }, (_event, name) => {
      const file = typeof name === "string" ? name : "";
      const key = file.endsWith(".jsonl") ? file.slice(0, -".jsonl".length) : "";
      if (isSessionKey(key)) changed(key);
    });
    watcher.on("error", () => {
      watcher?.close();
      watcher = undefined;
      if (!stopped) startPolling();
    });
  } catch {
    startPolling();
  }

  return () => {
    stopped = true;
    watcher?.close();
    clearInterval(poller);
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}

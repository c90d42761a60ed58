import { readlinkSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** How many symbolic links deep a watched file's chain is followed (a loop ends here). */
const MAX_LINKS = 16;

/** How often a file whose folder does not exist yet is looked at (no folder, no folder watch). */
const MISSING_FOLDER_POLL_MS = 2000;

/**
 * Calls `onChange` once the watched files have been quiet for `debounceMs` after a change: the config
 * file, and gateway.env (the `${VAR}`s a reload reads). Watches each file's folder, not the file:
 * editors replace files by renaming, which a watch on the file loses. A file that is a symbolic link
 * (a config kept with one's dotfiles) is watched where it points too, hop by hop, and the watches
 * follow the link when it is pointed elsewhere. A file whose folder does not exist yet (gateway.env
 * when ~/.hearth was never made) is looked at every 2 s until it appears, then watched as the others.
 */
export function watchConfigFile(options: { files: readonly string[]; debounceMs?: number | undefined; onChange: () => void; onError: (error: Error) => void }): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const watchers = new Map<string, { watcher: FSWatcher; names: Set<string> }>();
  // Paths polled because their folder is missing: each with its timer.
  const polled = new Map<string, NodeJS.Timeout>();

  const changed = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      // A link pointed elsewhere is followed before the reload reads through it.
      arm();
      options.onChange();
    }, options.debounceMs ?? 300);
  };
  const arm = (): void => {
    if (closed) return;
    const wanted = new Map<string, Set<string>>();
    for (const file of options.files) {
      for (const path of linkChain(file)) {
        const names = wanted.get(dirname(path)) ?? new Set<string>();
        names.add(basename(path));
        wanted.set(dirname(path), names);
      }
    }
    for (const [folder, entry] of watchers) {
      if (wanted.has(folder)) continue;
      entry.watcher.close();
      watchers.delete(folder);
    }
    for (const [folder, names] of wanted) {
      const entry = watchers.get(folder);
      if (entry) {
        entry.names.clear();
        for (const name of names) entry.names.add(name);
        continue;
      }
      try {
        const watcher = watch(folder, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name)) changed();
        });
        watcher.on("error", options.onError);
        watchers.set(folder, { watcher, names });
      } catch (error) {
        // The config's own folder must be watchable (the caller creates it); a missing gateway.env folder or link target is polled.
        if (folder === dirname(resolve(options.files[0] ?? ""))) options.onError(error as Error);
        else if ((error as NodeJS.ErrnoException).code === "ENOENT") for (const name of names) poll(join(folder, name));
      }
    }
    // A polled path whose folder is now watched (or that is no longer wanted) is polled no more.
    for (const [path, timer] of polled) {
      if (watchers.get(dirname(path))?.names.has(basename(path)) || !wanted.get(dirname(path))?.has(basename(path))) {
        clearInterval(timer);
        polled.delete(path);
      }
    }
  };
  // Looked at as it is now, before anything else runs: fs.watchFile's first look is made later, on another thread, and a
  // file written meanwhile became its starting point — never told (once in CI: the test's gateway.env, written at once).
  const poll = (path: string): void => {
    if (polled.has(path)) return;
    let seen = stamp(path);
    const timer = setInterval(() => {
      const now = stamp(path);
      if (now === seen) return;
      seen = now;
      changed();
    }, MISSING_FOLDER_POLL_MS);
    timer.unref();
    polled.set(path, timer);
  };
  arm();
  return {
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const entry of watchers.values()) entry.watcher.close();
      watchers.clear();
      for (const timer of polled.values()) clearInterval(timer);
      polled.clear();
    },
  };
}

/** The file's path, then each path its symbolic links lead to, in order (absolute). */
function linkChain(file: string): string[] {
  const chain = [resolve(file)];
  for (let hop = 0; hop < MAX_LINKS; hop++) {
    const last = chain[chain.length - 1] as string;
    let target: string;
    try {
      target = readlinkSync(last);
    } catch {
      break; // Not a link (or not there): the chain ends.
    }
    const next = resolve(dirname(last), target);
    if (chain.includes(next)) break;
    chain.push(next);
  }
  return chain;
}

/** What a look at `path` finds: its inode and modification time, or "" while it is not there (or cannot be looked at). */
function stamp(path: string): string {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? `${stats.ino}:${stats.mtimeMs}:${stats.size}` : "";
  } catch {
    return "";
  }
}

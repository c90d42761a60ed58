import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Calls `onChange` once the config file has been quiet for `debounceMs` after a change. Watches the
 * file's folder, not the file: editors replace files by renaming, which a watch on the file loses.
 */
export function watchConfigFile(options: { file: string; debounceMs?: number | undefined; onChange: () => void; onError: (error: Error) => void }): { close(): void } {
  const name = basename(options.file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(options.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        options.onChange();
      }, options.debounceMs ?? 300);
    });
  } catch (error) {
    options.onError(error as Error);
    return { close: () => undefined };
  }
  watcher.on("error", options.onError);
  return {
    close: () => {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}

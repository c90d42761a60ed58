import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import * as z from "zod";
import { fileSystemFault } from "../shared/fs-fault.js";
import { readStateFile, removeLeftTemporaries, replaceFileWhole, setAside } from "../shared/state-file.js";
import { acquireLock, withoutLockWords } from "./state-file-lock.js";

/** A model's server's tokens per estimated token (four characters a token) as last counted, and when (ms since the epoch). */
export interface KeptRatio {
  ratio: number;
  at: number;
}

/** Where the counted ratios outlive the process: read once at the start, written when one is counted anew. */
export interface TokenRatioPersistence {
  load(): Record<string, KeptRatio>;
  save(ref: string, kept: KeptRatio): void;
}

const YEAR_2000 = Date.UTC(2000, 0, 1);

/** What hearth writes: per model ref, the ratio (bounded as ServedWindows bounds it) and when it was counted. */
const FILE_SCHEMA = z.record(
  z.string().regex(/^[^/]+\/.+$/, "a model ref (provider/model)"),
  z.strictObject({ ratio: z.number().min(0.5).max(4), at: z.number().int().min(YEAR_2000) }),
);

/**
 * The ratios counted for each model (its server's /tokenize, a reply's usage, an overflow's count) in a
 * small JSON file of the state dir (`token-ratios.json`), so that a restarted gateway or a later command
 * counts a prompt as the server does before the server is asked again — or while it is down. Each write
 * reads the file again under a short lock (`token-ratios.json.lock`, as cooldowns.json's), keeps the
 * other processes' models, puts this one's over its own (the later count wins), and writes the result
 * through a rename. A missing file is an empty one; a file that is not what hearth writes is set aside
 * as `token-ratios.json.bad-<time>` with a warning and treated as empty. Never throws: the ratios only
 * make counts closer, and a state dir that cannot take them is said once.
 */
export function tokenRatioFile(file: string, options: { onWarning?: ((message: string) => void) | undefined; now?: () => number } = {}): TokenRatioPersistence {
  const warn = options.onWarning ?? (() => undefined);
  const now = options.now ?? Date.now;
  const said = new Set<string>();
  /** A write that went without the lock is said once a process (a lock left by a killed one would say it at every save for 5 s). */
  let toldWithoutLock = false;
  // Temporary files that processes killed between their write and its rename left (`<file>.<pid>.tmp`) are removed.
  removeLeftTemporaries(file);
  const warnOnce = (error: unknown, doing: string): void => {
    const fault = fileSystemFault(error, { path: file, doing });
    const line = `${[fault.message, ...fault.details].join(" — ")}; the counted token ratios are kept in this process only`;
    if (said.has(line)) return;
    said.add(line);
    warn(line);
  };
  const load = (): Record<string, KeptRatio> => {
    let text: string | undefined;
    try {
      text = readStateFile({ path: file, doing: "read the token ratios from" });
    } catch (error) {
      warnOnce(error, "read the token ratios from");
      return {};
    }
    if (text === undefined) return {};
    const parsed = FILE_SCHEMA.safeParse(safeJson(text));
    if (parsed.success) return parsed.data;
    try {
      const aside = setAside(file, new Date(now()));
      warn(`${file} is not a valid token ratios file (${parsed.error.issues[0]?.message ?? "not JSON"}); moved it to ${aside} and started with none`);
    } catch (error) {
      warn(`${file} is not a valid token ratios file, and ${error instanceof Error ? error.message : String(error)}; going on without remembered ratios`);
    }
    return {};
  };
  return {
    load,
    save(ref, kept) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      } catch (error) {
        warnOnce(error, "save the token ratios to");
        return;
      }
      const lock = acquireLock(file);
      if (lock.without && !toldWithoutLock) {
        toldWithoutLock = true;
        warn(withoutLockWords(file, lock));
      }
      try {
        const merged = load();
        const theirs = merged[ref];
        if (!theirs || theirs.at <= kept.at) merged[ref] = { ratio: kept.ratio, at: kept.at };
        replaceFileWhole(file, JSON.stringify(merged), 0o600);
        said.clear();
      } catch (error) {
        warnOnce(error, "save the token ratios to");
      } finally {
        lock.release();
      }
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The token ratios file of a state dir. */
export function tokenRatioFileIn(stateDir: string, options: { onWarning?: ((message: string) => void) | undefined; now?: () => number } = {}): TokenRatioPersistence {
  return tokenRatioFile(join(stateDir, "token-ratios.json"), options);
}

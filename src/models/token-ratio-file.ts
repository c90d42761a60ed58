import { join } from "node:path";
import * as z from "zod";
import { mergedStateFile } from "./merged-state-file.js";

/** A model's server's tokens per estimated token (four characters a token) as last counted, and when (ms since the epoch). */
export interface KeptRatio {
  ratio: number;
  at: number;
}

/** Where the counted ratios outlive the process: read once at the start, written when one is counted anew. */
export interface TokenRatioPersistence {
  /** The kept ratios by keptRatioKey (model ref and server), none older than KEPT_RATIO_MAX_AGE_MS. */
  load(): Record<string, KeptRatio>;
  save(where: string, kept: KeptRatio): void;
}

const YEAR_2000 = Date.UTC(2000, 0, 1);

/** A kept ratio older than this is dropped (when read, and from the file at the next write): the server may run another model or build since. */
export const KEPT_RATIO_MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Where a ratio is kept: the model's ref and the server (replica) that counted it, `<ref> <baseUrl>`. A
 * ratio is its server's, not the ref's: another server named alike (a config pointed elsewhere) counts anew.
 * (An older hearth's entries, keyed by the ref alone, are left as they are and not used.)
 */
export function keptRatioKey(ref: string, baseUrl: string): string {
  // Asked per request (a call reads its replica's ratio): the trailing slashes' regex runs only where there are some.
  return `${ref} ${baseUrl.endsWith("/") ? baseUrl.replace(/\/+$/, "") : baseUrl}`;
}

/**
 * What hearth writes: per model ref and server, the ratio (bounded as ServedWindows bounds it) and when it
 * was counted. Fields a newer hearth may add are ignored, not refused.
 */
const FILE_SCHEMA = z.record(
  z.string().regex(/^[^/]+\/.+$/, "a model ref (provider/model) and its server"),
  z.object({ ratio: z.number().min(0.5).max(4), at: z.number().int().min(YEAR_2000) }),
);

/**
 * The ratios counted for each model (its server's /tokenize, a reply's usage, an overflow's count) in a
 * small JSON file of the state dir (`token-ratios.json`), so that a restarted gateway or a later command
 * counts a prompt as the server does before the server is asked again — or while it is down. Each write
 * reads the file again under a short lock (`token-ratios.json.lock`, as cooldowns.json's), keeps the
 * other processes' models, puts this one's over its own (the later count wins), and writes the result
 * through a rename. A missing file is an empty one; a file that is not what hearth writes is set aside
 * as `token-ratios.json.bad-<time>` with a warning and treated as empty. Entries counted more than
 * KEPT_RATIO_MAX_AGE_MS ago are left out when read, so the next write drops them. Never throws: the
 * ratios only make counts closer, and a state dir that cannot take them is said once.
 */
export function tokenRatioFile(file: string, options: { onWarning?: ((message: string) => void) | undefined; now?: () => number } = {}): TokenRatioPersistence {
  const now = options.now ?? Date.now;
  const state = mergedStateFile<Record<string, KeptRatio>>({
    file,
    words: {
      holds: "the token ratios",
      kind: "token ratios",
      afterReadFailed: "the counted token ratios are kept in this process only",
      afterSaveFailed: "the counted token ratios are kept in this process only",
      startedWith: "none",
    },
    parse: (text) => {
      const parsed = FILE_SCHEMA.safeParse(safeJson(text));
      if (!parsed.success) return { ok: false, reason: parsed.error.issues[0]?.message ?? "not JSON" };
      const since = now() - KEPT_RATIO_MAX_AGE_MS;
      return { ok: true, value: Object.fromEntries(Object.entries(parsed.data).filter(([, kept]) => kept.at >= since).map(([where, kept]) => [where, { ratio: kept.ratio, at: kept.at }])) };
    },
    empty: () => ({}),
    warn: options.onWarning ?? (() => undefined),
    now,
  });
  return {
    load: state.load,
    save(where, kept) {
      state.save((merged) => {
        const theirs = merged[where];
        if (!theirs || theirs.at <= kept.at) merged[where] = { ratio: kept.ratio, at: kept.at };
        return merged;
      });
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

import { checked, flag, optionalValue, refused, RUNS_PROGRAMS, table, value, WRITES_FILES, type OptionRule, type OptionTable } from "../option-table.js";

/** A repository git may contact: a local path or http(s); `host:path`, ssh:// and `helper::` start other programs. */
export function refusedRepository(url: string): string | undefined {
  if (/^https?:\/\//i.test(url) || /^file:\/\//i.test(url)) return undefined;
  if (url.includes("::")) return "a remote helper (transport::address) is another program";
  // As git reads it: a ":" before any "/" makes an address (`scheme:`, `host:path`, `user@host:path`,
  // `[host]:path`) that git reaches through ssh or a remote helper; a drive letter is a path on Windows only
  // (elsewhere git reads `C:/x` as host C).
  const colon = url.indexOf(":");
  const slash = url.search(process.platform === "win32" ? /[\\/]/ : /\//);
  if (colon !== -1 && (slash === -1 || colon < slash) && !(process.platform === "win32" && /^[A-Za-z]:[\\/]/.test(url))) return "git reaches this address by running ssh or a remote helper; give an http(s) URL or a local path";
  return undefined;
}

/** `%G?`, `%GS`… in a format verify signatures, which starts gpg. */
const format = checked((text) => (/%G/.test(text) ? "%G placeholders verify signatures by running gpg" : undefined));

/** Options git's parse-options also accepts as `--no-<name>`. */
function withNegations(long: Record<string, OptionRule>): Record<string, OptionRule> {
  const negated = Object.entries(long).filter(([name, rule]) => !rule.refused && !name.startsWith("no-"));
  return { ...Object.fromEntries(negated.map(([name]) => [`no-${name}`, flag])), ...long };
}

function gitTable(spec: Parameters<typeof table>[0]): OptionTable {
  const built = table(spec);
  return { ...built, long: withNegations({ ...built.long }) };
}

const diffLong = {
  longFlags: [
    "patch", "no-patch", "raw", "patch-with-raw", "numstat", "shortstat", "summary", "name-only", "name-status", "compact-summary", "full-index", "binary", "irreversible-delete",
    "pickaxe-all", "pickaxe-regex", "text", "ignore-cr-at-eol", "ignore-space-at-eol", "ignore-space-change", "ignore-all-space", "ignore-blank-lines", "function-context",
    "exit-code", "quiet", "minimal", "patience", "histogram", "indent-heuristic", "no-prefix", "default-prefix", "cached", "staged", "merge-base", "no-index", "cc", "no-ext-diff",
    "no-textconv", "ita-invisible-in-index", "follow", "check",
  ],
  longValues: ["diff-filter", "find-object", "ignore-matching-lines", "inter-hunk-context", "src-prefix", "dst-prefix", "line-prefix", "diff-algorithm", "anchored", "word-diff-regex", "stat-width", "stat-name-width", "stat-count", "stat-graph-width", "unified", "rotate-to", "skip-to"],
  longOptional: ["stat", "dirstat", "submodule", "color", "color-moved", "word-diff", "color-words", "abbrev", "find-renames", "find-copies", "break-rewrites", "ignore-submodules", "relative"],
  refusedLong: { "ext-diff": refused(RUNS_PROGRAMS, "none"), textconv: refused(RUNS_PROGRAMS, "none"), output: refused(WRITES_FILES) },
};
const diffShort = { flags: "pusRawbzW", values: "USGI", short: { M: optionalValue, C: optionalValue, B: optionalValue } };

const logLongFlags = [
  "oneline", "abbrev-commit", "no-abbrev-commit", "relative-date", "parents", "children", "left-right", "graph", "all-match", "invert-grep", "regexp-ignore-case", "basic-regexp",
  "extended-regexp", "fixed-strings", "perl-regexp", "remove-empty", "merges", "no-merges", "no-min-parents", "no-max-parents", "first-parent", "exclude-first-parent-only", "not", "all",
  "reflog", "alternate-refs", "single-worktree", "ignore-missing", "cherry-mark", "cherry-pick", "left-only", "right-only", "cherry", "walk-reflogs", "merge", "boundary",
  "simplify-by-decoration", "full-history", "dense", "sparse", "simplify-merges", "show-pulls", "date-order", "author-date-order", "topo-order", "reverse", "do-walk", "no-decorate", "source",
  "use-mailmap", "mailmap", "full-diff", "log-size", "combined-all-paths", "clear-decorations", "no-notes", "no-expand-tabs", "show-linear-break",
];
const logLongValues = ["encoding", "date", "max-count", "skip", "since", "after", "until", "before", "author", "committer", "grep-reflog", "grep", "min-parents", "max-parents", "glob", "exclude", "decorate-refs", "decorate-refs-exclude", "diff-merges", "since-as-filter"];
const logLongOptional = ["expand-tabs", "notes", "branches", "tags", "remotes", "ancestry-path", "no-walk", "decorate"];

/** log, show, shortlog, whatchanged: revision walking and diff output. */
export const logTable = gitTable({
  flags: `${diffShort.flags}iEFPgcmtr`,
  values: `${diffShort.values}nL`,
  short: diffShort.short,
  numericShort: true,
  longFlags: [...diffLong.longFlags, ...logLongFlags],
  longValues: [...diffLong.longValues, ...logLongValues],
  longOptional: [...diffLong.longOptional, ...logLongOptional],
  long: { ...diffLong.refusedLong, format, pretty: { ...format, arity: "optional" }, "show-signature": refused("it verifies signatures by running gpg", "none") },
});

export const diffTable = gitTable({
  ...diffShort,
  flags: `${diffShort.flags}c`,
  longFlags: diffLong.longFlags,
  longValues: diffLong.longValues,
  longOptional: diffLong.longOptional,
  long: diffLong.refusedLong,
});

export const statusTable = gitTable({
  flags: "sbzv",
  short: { u: optionalValue },
  longFlags: ["short", "branch", "long", "verbose", "null", "ahead-behind", "renames", "show-stash", "no-column"],
  longOptional: ["porcelain", "untracked-files", "ignored", "ignore-submodules", "column", "find-renames"],
});

export const blameTable = gitTable({
  flags: "ltpeswnfcb",
  values: "L",
  // -S: a file of revisions.
  pathValues: "S",
  short: { M: optionalValue, C: optionalValue },
  longFlags: ["porcelain", "line-porcelain", "show-email", "show-number", "show-name", "root", "show-stats", "incremental", "reverse", "first-parent", "progress", "minimal", "score-debug", "color-lines", "color-by-age"],
  longValues: ["date", "encoding", "ignore-rev"],
  longPathValues: ["contents", "ignore-revs-file"],
  longOptional: ["abbrev"],
});

export const lsFilesTable = gitTable({
  flags: "cdmoiskuztvf",
  values: "x",
  pathValues: "X",
  longFlags: ["cached", "deleted", "modified", "others", "ignored", "stage", "killed", "unmerged", "directory", "no-empty-directory", "eol", "exclude-standard", "error-unmatch", "full-name", "recurse-submodules", "debug", "deduplicate", "sparse", "resolve-undo"],
  longValues: ["exclude", "with-tree"],
  longPathValues: ["exclude-from"],
  longOptional: ["abbrev"],
  // A file name git opens in every folder it lists: a path there (`../../.ssh/x`) would lead out of each, past what the guard resolves.
  long: { format, "exclude-per-directory": checked((name) => (/[\\/]/.test(name) || name === ".." ? "it names a file git reads in every folder: give a name, not a path" : undefined)) },
});

export const lsTreeTable = gitTable({
  flags: "drtlz",
  longFlags: ["long", "name-only", "name-status", "object-only", "full-name", "full-tree"],
  longOptional: ["abbrev"],
  long: { format },
});

/** rev-parse reads its options itself, by exact name. */
export const revParseTable: OptionTable = {
  ...table({
    flags: "q",
    longFlags: [
      "verify", "quiet", "show-toplevel", "show-prefix", "show-cdup", "git-dir", "absolute-git-dir", "git-common-dir", "is-inside-work-tree", "is-inside-git-dir", "is-bare-repository",
      "is-shallow-repository", "symbolic", "symbolic-full-name", "all", "sq", "revs-only", "no-revs", "flags", "no-flags", "not", "show-superproject-working-tree", "local-env-vars", "sq-quote",
    ],
    longValues: ["since", "after", "until", "before", "default", "path-format", "prefix", "git-path"],
    longPathValues: ["resolve-git-dir"],
    longOptional: ["abbrev-ref", "short", "branches", "tags", "remotes", "show-object-format"],
  }),
  abbreviations: false,
};

export const grepTable = gitTable({
  flags: "aiIwvhHEGPFnlLzocpWqr",
  values: "emABC",
  pathValues: "f",
  numericShort: true,
  short: { O: refused(RUNS_PROGRAMS, "optional") },
  longFlags: [
    "text", "ignore-case", "word-regexp", "invert-match", "full-name", "extended-regexp", "basic-regexp", "perl-regexp", "fixed-strings", "line-number", "column", "files-with-matches",
    "name-only", "files-without-match", "null", "only-matching", "count", "break", "heading", "show-function", "function-context", "and", "or", "not", "all-match", "quiet", "cached",
    "untracked", "no-index", "recurse-submodules", "exclude-standard", "recursive",
  ],
  longValues: ["max-depth", "max-count", "after-context", "before-context", "context", "threads"],
  longOptional: ["color"],
  long: { "open-files-in-pager": refused(RUNS_PROGRAMS, "optional"), textconv: refused(RUNS_PROGRAMS, "none"), "ext-grep": refused(RUNS_PROGRAMS, "none") },
});

const refListing = {
  longValues: ["sort", "points-at"],
  longOptional: ["contains", "no-contains", "merged", "no-merged", "column", "color", "abbrev"],
  long: { format },
};

export const branchTable = gitTable({ flags: "arlvi", longFlags: ["all", "remotes", "list", "verbose", "show-current", "ignore-case", "omit-empty"], ...refListing });

export const tagTable = gitTable({ flags: "li", short: { n: optionalValue, v: refused("it verifies signatures by running gpg", "none") }, longFlags: ["list", "ignore-case", "omit-empty"], ...refListing });

export const describeTable = gitTable({
  longFlags: ["all", "tags", "contains", "exact-match", "debug", "long", "always", "first-parent"],
  longValues: ["candidates", "match", "exclude"],
  longOptional: ["abbrev", "dirty", "broken"],
});

export const catFileTable = gitTable({
  flags: "tsepZ",
  longFlags: ["follow-symlinks", "batch-all-objects", "buffer", "unordered", "allow-unknown-type", "use-mailmap", "mailmap"],
  longOptional: ["batch", "batch-check", "batch-command"],
  long: { textconv: refused(RUNS_PROGRAMS, "none"), filters: refused(RUNS_PROGRAMS, "none") },
});

export const lsRemoteTable = gitTable({
  flags: "tqh",
  values: "o",
  longFlags: ["heads", "branches", "tags", "refs", "quiet", "exit-code", "get-url", "symref"],
  longValues: ["sort", "server-option"],
  long: { "upload-pack": refused(RUNS_PROGRAMS), exec: refused(RUNS_PROGRAMS) },
});

export const cloneTable = gitTable({
  flags: "nqvls",
  values: "bo",
  short: { u: refused(RUNS_PROGRAMS), c: refused(RUNS_PROGRAMS), j: value },
  longFlags: ["single-branch", "no-checkout", "quiet", "verbose", "bare", "no-tags", "sparse", "progress", "no-hardlinks", "local", "shared", "reject-shallow"],
  longValues: ["depth", "branch", "shallow-since", "shallow-exclude", "origin", "filter", "jobs"],
  long: {
    "upload-pack": refused(RUNS_PROGRAMS),
    // Bundles are fetched from a second address, read as the repository's is.
    "bundle-uri": { ...checked(refusedRepository), path: true },
    template: refused("its hooks run programs"),
    config: refused(RUNS_PROGRAMS),
    "server-option": refused(RUNS_PROGRAMS),
    "separate-git-dir": refused(WRITES_FILES),
    "recurse-submodules": refused("submodules name other repositories, fetched by other programs", "optional"),
    recursive: refused("submodules name other repositories, fetched by other programs", "optional"),
  },
});

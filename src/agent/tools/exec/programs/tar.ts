import { checked, checkedPath, insideWorkingDirectory, refused, RUNS_PROGRAMS, table, WRITES_FILES } from "../option-table.js";
import { parseOptions } from "../parse-options.js";
import { FOLLOWS_LINKS, getoptProgram, type Place, type ProgramDescription } from "../program.js";

/** `host:file` is a remote archive: tar would start rsh/ssh to reach it. */
const archiveName = (name: string) => (name.includes(":") ? "a name with ':' is a remote archive, which tar reaches by running rsh or ssh" : undefined);
const READS_OPTIONS = "names read from a file may be options (--to-command…)";

const TAR_OPTIONS = table({
    oldStyleFirstArgument: true,
    flags: "txcvzjJaOkmphWS",
    values: "bKV",
    // -X reads patterns from a file; -N/--newer, --after-date and --mtime read a date, or a file's when it starts with / or .
    pathValues: "XN",
    short: {
      f: { ...checked(archiveName), path: true },
      C: checkedPath(insideWorkingDirectory),
      I: refused(RUNS_PROGRAMS),
      F: refused(RUNS_PROGRAMS),
      P: refused(WRITES_FILES, "none"),
      T: refused(READS_OPTIONS),
      g: refused(WRITES_FILES),
      r: refused(WRITES_FILES, "none"),
      u: refused(WRITES_FILES, "none"),
      A: refused(WRITES_FILES, "none"),
    },
    longFlags: [
      "help", "version", "list", "extract", "get", "create", "verbose", "gzip", "gunzip", "ungzip", "bzip2", "xz", "lzma", "lzip", "lzop", "zstd", "auto-compress", "to-stdout",
      "wildcards", "no-wildcards", "exclude-vcs", "exclude-vcs-ignores", "keep-old-files", "skip-old-files", "keep-newer-files", "touch", "no-same-owner", "no-same-permissions",
      "same-permissions", "preserve-permissions", "numeric-owner", "dereference", "one-file-system", "sparse", "show-transformed-names", "anchored", "no-anchored", "ignore-case",
      "no-ignore-case", "null", "full-time", "utc", "force-local", "posix", "verify", "no-recursion", "recursion", "wildcards-match-slash", "no-wildcards-match-slash",
    ],
    longValues: ["exclude", "strip-components", "blocking-factor", "sort", "owner", "group", "mode", "format", "starting-file", "label"],
    longPathValues: ["exclude-from", "mtime", "newer", "after-date", "newer-mtime"],
    longOptional: ["totals", "occurrence", "checkpoint"],
    long: {
      file: { ...checked(archiveName), path: true },
      directory: checkedPath(insideWorkingDirectory),
      "to-command": refused(RUNS_PROGRAMS),
      "use-compress-program": refused(RUNS_PROGRAMS),
      "checkpoint-action": refused(RUNS_PROGRAMS),
      "info-script": refused(RUNS_PROGRAMS),
      "new-volume-script": refused(RUNS_PROGRAMS),
      "rsh-command": refused(RUNS_PROGRAMS),
      "rmt-command": refused(RUNS_PROGRAMS),
      "absolute-names": refused(WRITES_FILES, "none"),
      "remove-files": refused("it deletes files", "none"),
      "files-from": refused(READS_OPTIONS),
      "listed-incremental": refused(WRITES_FILES),
      "index-file": refused(WRITES_FILES),
      "volno-file": refused(WRITES_FILES),
      append: refused(WRITES_FILES, "none"),
      update: refused(WRITES_FILES, "none"),
      catenate: refused(WRITES_FILES, "none"),
      concatenate: refused(WRITES_FILES, "none"),
      delete: refused("it deletes files", "none"),
    },
  });

const EXTRACTING = new Set(["-x", "--extract", "--get"]);

/** Members that would write a repository's .git (its config decides which programs git runs: check-git-dirs.ts). */
const EXCLUDE_GIT = ["--exclude=[.][gG][iI][tT]"];

/** GNU tar: list, extract and create archives in the working directory; nothing that starts programs. */
export const tar: ProgramDescription = {
  ...getoptProgram(["tar", "gtar"], TAR_OPTIONS, (parsed) => {
    // Creating writes the archive: it stays in the working directory.
    if (!parsed.some((item) => item.kind === "option" && (item.name === "-c" || item.name === "--create"))) return undefined;
    for (const item of parsed) {
      if (item.kind !== "option" || (item.name !== "-f" && item.name !== "--file") || item.value === undefined) continue;
      const outside = insideWorkingDirectory(item.value);
      if (outside) return { argument: item.value, reason: `the archive tar creates: ${outside}` };
    }
    return undefined;
  }),
  // The archive (opened before any -C) and each -C, relative to the -C before it as tar reads them.
  places(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    if (!result.ok) return [];
    const places: Place[] = [];
    let directory: string[] = [];
    for (const item of result.parsed) {
      if (item.kind !== "option" || item.value === undefined) continue;
      if ((item.name === "-f" || item.name === "--file") && item.value !== "-") places.push({ argument: item.value, chain: [item.value] });
      if (item.name === "-C" || item.name === "--directory") {
        directory = [...directory, item.value];
        places.push({ argument: item.value, chain: directory });
      }
    }
    return places;
  },
  // Each -C (a chain, as tar reads them): the names after it are resolved there.
  directories(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    if (!result.ok) return [];
    const chains: string[][] = [];
    let directory: string[] = [];
    for (const item of result.parsed) {
      if (item.kind !== "option" || item.value === undefined || (item.name !== "-C" && item.name !== "--directory")) continue;
      directory = [...directory, item.value];
      chains.push(directory);
    }
    return chains;
  },
  // What tar writes: the archive it creates, the folders it extracts into.
  writes(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    if (!result.ok) return [];
    const creating = result.parsed.some((item) => item.kind === "option" && (item.name === "-c" || item.name === "--create"));
    const extracting = result.parsed.some((item) => item.kind === "option" && EXTRACTING.has(item.name));
    const places: Place[] = [];
    let directory: string[] = [];
    for (const item of result.parsed) {
      if (item.kind !== "option" || item.value === undefined) continue;
      if (creating && (item.name === "-f" || item.name === "--file") && item.value !== "-") places.push({ argument: item.value, chain: [item.value] });
      if (item.name === "-C" || item.name === "--directory") {
        directory = [...directory, item.value];
        if (extracting) places.push({ argument: item.value, chain: directory });
      }
    }
    return places;
  },
  // Extracting (only ever in the sandbox): no member named .git (in any case) nor anything below one is written.
  // The exclusion goes first: a later --no-wildcards or --anchored does not change a pattern read before it.
  launchArgs(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    if (!result.ok || !result.parsed.some((item) => item.kind === "option" && EXTRACTING.has(item.name))) return [...args];
    const first = args[0];
    if (first === undefined || !/^[A-Za-z]/.test(first)) return [...EXCLUDE_GIT, ...args];
    // `tar xf a.tar …`: the letters of the first argument take the values after it, in turn; the exclusion follows them.
    const taken = [...first].filter((letter) => TAR_OPTIONS.short[letter]?.arity === "required").length;
    return [...args.slice(0, 1 + taken), ...EXCLUDE_GIT, ...args.slice(1 + taken)];
  },
  // Creating, tar stores a link met on the way as a link, unless -h.
  walkFollowsLinks(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    return !result.ok || result.parsed.some((item) => item.kind === "option" && (item.name === "-h" || item.name === "--dereference"));
  },
  // An archive may hold a symlink and then a member written through it (or through one an earlier
  // extraction left): only the sandbox keeps such writes inside the working directory.
  unsandboxed(args) {
    const result = parseOptions(args, TAR_OPTIONS);
    const follow = result.ok ? result.parsed.find((item) => item.kind === "option" && (item.name === "-h" || item.name === "--dereference")) : undefined;
    if (follow?.kind === "option") return { argument: follow.argument, reason: FOLLOWS_LINKS };
    const extract = result.ok ? result.parsed.find((item) => item.kind === "option" && EXTRACTING.has(item.name)) : undefined;
    if (!extract || extract.kind !== "option") return undefined;
    return {
      argument: extract.argument,
      reason: "extracting needs the OS sandbox (tools.exec.sandbox \"auto\" with bubblewrap installed): without it, a symlink in the archive or the working directory could send files anywhere; list it with -t instead",
    };
  },
};

import { checkedPath, insideWorkingDirectory, NAMES_IN_FILE, pathValue, refused, RUNS_PROGRAMS, table, type OptionTable } from "../option-table.js";
import { parseOptions, type ParsedArgument } from "../parse-options.js";
import { getoptProgram, operands, runnerProgram, textProgram, type ProgramDescription } from "../program.js";

const common = ["help", "version"];

const LS_OPTIONS = table({
    flags: "aAbBcCdfFghGHiklLmnNopqQrRsStuUvxXZ1",
    values: "ITw",
    longFlags: [...common, "all", "almost-all", "author", "escape", "ignore-backups", "directory", "dired", "classify", "file-type", "group-directories-first", "no-group", "human-readable", "si", "dereference-command-line", "dereference-command-line-symlink-to-dir", "inode", "kibibytes", "dereference", "numeric-uid-gid", "literal", "hide-control-chars", "show-control-chars", "quote-name", "recursive", "reverse", "size", "context", "full-time", "zero"],
    longValues: ["block-size", "hide", "ignore", "quoting-style", "sort", "tabsize", "width", "time", "time-style", "format"],
    longOptional: ["color", "hyperlink", "indicator-style"],
});

/** ls: `-R` with no folder named walks the working directory. */
const ls: ProgramDescription = {
  ...getoptProgram(["ls"], LS_OPTIONS),
  walksWorkingDirectory: (args) => hasOption(args, LS_OPTIONS, ["-R", "--recursive"]) && operandsOf(args, LS_OPTIONS).length === 0,
  // -R lists a link met on the way, never what it leads to, unless -L.
  walkFollowsLinks: (args) => hasOption(args, LS_OPTIONS, ["-L", "--dereference"]),
};

const cat = getoptProgram(["cat"], table({ flags: "AbeEnstTuv", longFlags: [...common, "show-all", "number-nonblank", "number", "squeeze-blank", "show-ends", "show-tabs", "show-nonprinting"] }));

const head = getoptProgram(["head"], table({ flags: "qvz", values: "cn", numericShort: true, longFlags: [...common, "quiet", "silent", "verbose", "zero-terminated"], longValues: ["bytes", "lines"] }));

const TAIL_OPTIONS = table({ flags: "fFqvz", values: "cns", numericShort: true, longFlags: [...common, "quiet", "silent", "verbose", "zero-terminated", "retry"], longValues: ["bytes", "lines", "max-unchanged-stats", "pid", "sleep-interval"], longOptional: ["follow"] });

/** Waiting, then opening a file again by its name: what the name means then is not what exec checked. */
const REOPENS = "it waits and opens the file again by its name, which may lead elsewhere by then (a link moved into place); without the OS sandbox exec never does: follow with -f (the file opened once)";

/**
 * tail: with no sandbox, not `-F`, `--follow=name` (any abbreviation of `name`, as tail reads it) or `--retry`.
 */
const tail: ProgramDescription = {
  ...getoptProgram(["tail"], TAIL_OPTIONS),
  unsandboxed(args) {
    const result = parseOptions(args, TAIL_OPTIONS);
    if (!result.ok) return undefined;
    for (const item of result.parsed) {
      if (item.kind !== "option") continue;
      const byName = item.name === "--follow" && item.value !== undefined && item.value !== "" && "name".startsWith(item.value);
      if (item.name === "-F" || item.name === "--retry" || byName) return { argument: item.argument, reason: REOPENS };
    }
    return undefined;
  },
};

const wc = getoptProgram(["wc"], table({ flags: "clLmw", longFlags: [...common, "bytes", "chars", "lines", "max-line-length", "words"], longValues: ["total"], long: { "files0-from": refused(NAMES_IN_FILE) } }));

const SORT_OPTIONS = table({
  flags: "bdfgiMhnRrVcCmsuz",
  values: "kSt",
  // -o: the file sort writes (judged as every write is, check-writes.ts); -T: where it writes its temporary files, inside the working directory.
  short: { o: pathValue, T: checkedPath(insideWorkingDirectory) },
  longFlags: [...common, "ignore-leading-blanks", "dictionary-order", "ignore-case", "general-numeric-sort", "ignore-nonprinting", "month-sort", "human-numeric-sort", "numeric-sort", "random-sort", "reverse", "version-sort", "debug", "merge", "stable", "unique", "zero-terminated"],
  longValues: ["sort", "batch-size", "key", "buffer-size", "field-separator", "parallel"],
  longPathValues: ["random-source", "output"],
  longOptional: ["check"],
  long: { "temporary-directory": checkedPath(insideWorkingDirectory), "compress-program": refused(RUNS_PROGRAMS), "files0-from": refused(NAMES_IN_FILE) },
});

/** sort: `-o FILE` writes FILE. */
const sort: ProgramDescription = {
  ...getoptProgram(["sort", "gsort"], SORT_OPTIONS),
  writes(args) {
    const result = parseOptions(args, SORT_OPTIONS);
    if (!result.ok) return [];
    return result.parsed.flatMap((item) => (item.kind === "option" && (item.name === "-o" || item.name === "--output") && item.value !== undefined ? [{ argument: item.argument, chain: [item.value] }] : []));
  },
};

const UNIQ_OPTIONS = table({ flags: "cdDiuz", values: "fsw", longFlags: [...common, "count", "repeated", "ignore-case", "unique", "zero-terminated"], longValues: ["skip-fields", "skip-chars", "check-chars"], longOptional: ["all-repeated", "group"] });

/** uniq INPUT OUTPUT writes its second operand. */
const uniq: ProgramDescription = {
  ...getoptProgram(["uniq"], UNIQ_OPTIONS),
  writes(args) {
    const result = parseOptions(args, UNIQ_OPTIONS);
    const output = result.ok ? operands(result.parsed)[1] : undefined;
    return output === undefined || output === "-" ? [] : [{ argument: output, chain: [output] }];
  },
};

const cut = getoptProgram(["cut"], table({ flags: "nswz", values: "bcdf", longFlags: [...common, "complement", "only-delimited", "zero-terminated"], longValues: ["bytes", "characters", "delimiter", "fields", "output-delimiter"] }));

const tr = getoptProgram(["tr"], table({ flags: "cCdst", longFlags: [...common, "complement", "delete", "squeeze-repeats", "truncate-set1"] }));

const pwd = getoptProgram(["pwd"], table({ flags: "LP", longFlags: [...common, "logical", "physical"] }));

const date = getoptProgram(
  ["date"],
  table({ flags: "uR", values: "d", pathValues: "fr", short: { s: refused("it sets the system clock") }, longFlags: [...common, "debug", "utc", "universal", "rfc-email"], longValues: ["date"], longPathValues: ["file", "reference"], longOptional: ["iso-8601", "rfc-3339"], long: { set: refused("it sets the system clock") } }),
  (parsed) => {
    // `date MMDDhhmm` sets the clock; only `+FORMAT` operands print.
    const setter = parsed.find((item) => item.kind === "operand" && !item.value.startsWith("+"));
    return setter?.kind === "operand" ? { argument: setter.value, reason: "a date operand sets the system clock; give +FORMAT to print" } : undefined;
  },
);

// -m/--magic-file takes a list of magic files (a:b:c), each part checked as a path (check-secrets.ts); file prints the lines it cannot parse.
const file = getoptProgram(
  ["file"],
  table({
    flags: "bcEhiklLNprsz0",
    values: "eFP",
    pathValues: "m",
    short: { f: refused(NAMES_IN_FILE) },
    longFlags: [...common, "brief", "checking-printout", "dereference", "no-dereference", "keep-going", "list", "mime", "mime-type", "mime-encoding", "no-pad", "preserve-date", "raw", "special-files", "uncompress", "uncompress-noreport", "print0", "extension", "apple"],
    longValues: ["exclude", "exclude-quiet", "separator", "parameter"],
    longPathValues: ["magic-file"],
    long: { "files-from": refused(NAMES_IN_FILE) },
  }),
);

const DU_OPTIONS = table({ flags: "0abcDhHkLlmPsSx", values: "Bdt", pathValues: "X", longFlags: [...common, "null", "all", "apparent-size", "bytes", "total", "dereference-args", "human-readable", "inodes", "dereference", "count-links", "no-dereference", "separate-dirs", "si", "summarize", "one-file-system"], longValues: ["block-size", "max-depth", "threshold", "exclude"], longPathValues: ["exclude-from"], long: { "files0-from": refused(NAMES_IN_FILE) }, longOptional: ["time", "time-style"] });

/** du: with no file named, it walks the working directory; it follows no link met on the way, unless -L. */
const du: ProgramDescription = {
  ...getoptProgram(["du"], DU_OPTIONS),
  walksWorkingDirectory: (args) => operandsOf(args, DU_OPTIONS).length === 0,
  walkFollowsLinks: (args) => hasOption(args, DU_OPTIONS, ["-L", "--dereference"]),
};

const stat = getoptProgram(["stat"], table({ flags: "Lft", values: "c", longFlags: [...common, "dereference", "file-system", "terse"], longValues: ["format", "printf", "cached"] }));

/** Programs whose arguments name another program to start. */
const runners = runnerProgram(["xargs", "env", "timeout", "nice", "nohup", "sudo", "doas", "su", "stdbuf", "setsid", "chroot", "unshare", "nsenter", "flock", "watch", "time", "ionice", "taskset", "chrt", "strace", "ltrace", "busybox", "parallel", "script", "ssh", "runuser", "systemd-run", "pkexec"]);

const echo = textProgram(["echo", "printf", "true", "false", "whoami", "uname", "id", "basename", "dirname", "realpath", "readlink", "which", "seq", "expr", "test"]);

export const coreutils: readonly ProgramDescription[] = [ls, cat, head, tail, wc, sort, uniq, cut, tr, pwd, date, file, du, stat, runners, echo];

function parsedWith(args: readonly string[], options: OptionTable): ParsedArgument[] {
  const result = parseOptions(args, options);
  return result.ok ? result.parsed : [];
}

function operandsOf(args: readonly string[], options: OptionTable): string[] {
  return operands(parsedWith(args, options));
}

function hasOption(args: readonly string[], options: OptionTable, names: readonly string[]): boolean {
  return parsedWith(args, options).some((item) => item.kind === "option" && names.includes(item.name));
}

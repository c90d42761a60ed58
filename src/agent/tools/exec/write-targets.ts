import { basename } from "node:path";
import { table, type OptionTable } from "./option-table.js";
import { parseOptions, type ParsedArgument } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";

/**
 * One path a program may write, create, change or remove: `into` when it is a destination folder a
 * program writes the named sources into (`cp a b DIR` writes `DIR/a` and `DIR/b` when DIR is a folder).
 */
export interface WriteTarget {
  /** The argument as given, for the refusal. */
  argument: string;
  /** Relative to the working directory, each step relative to the one before (`git -C a clone u b`: [a, b]). */
  chain: readonly string[];
  /** Names the program writes inside it when the chain leads to a folder (cp, mv, ln, install). */
  into?: readonly string[] | undefined;
}

/**
 * What a program may write: its targets, or `every` when exec cannot tell (a program it knows nothing of,
 * or options it cannot read): then every argument counts as one.
 */
export type WriteTargets = { every: false; targets: WriteTarget[] } | { every: true };

const common = ["help", "version"];

/** cp, mv, ln, install: GNU's options, as far as they decide which operand is the destination. */
const COPY_LIKE: Readonly<Record<string, OptionTable>> = {
  cp: table({
    flags: "abdfHilLnPpRrsTuvxZ",
    values: "St",
    longFlags: [...common, "archive", "attributes-only", "copy-contents", "debug", "dereference", "force", "interactive", "link", "no-dereference", "no-clobber", "parents", "recursive", "remove-destination", "strip-trailing-slashes", "symbolic-link", "no-target-directory", "verbose", "one-file-system", "keep-directory-symlink"],
    longValues: ["no-preserve", "sparse", "suffix", "target-directory"],
    longOptional: ["backup", "preserve", "reflink", "update", "context"],
  }),
  mv: table({
    flags: "bfinTuvZ",
    values: "St",
    longFlags: [...common, "debug", "exchange", "force", "interactive", "no-clobber", "no-copy", "strip-trailing-slashes", "no-target-directory", "verbose"],
    longValues: ["suffix", "target-directory"],
    longOptional: ["backup", "update", "context"],
  }),
  ln: table({
    flags: "bdFfiLnPrsTv",
    values: "St",
    longFlags: [...common, "directory", "force", "interactive", "logical", "no-dereference", "physical", "relative", "symbolic", "no-target-directory", "verbose"],
    longValues: ["suffix", "target-directory"],
    longOptional: ["backup"],
  }),
  install: table({
    flags: "bcCdDpsTvZ",
    values: "gmoSt",
    longFlags: [...common, "compare", "debug", "directory", "preserve-timestamps", "strip", "no-target-directory", "verbose", "preserve-context"],
    longValues: ["group", "mode", "owner", "suffix", "target-directory", "strip-program"],
    longOptional: ["backup", "context"],
  }),
};

/** Programs that write (create, change or remove) every operand they are given. */
const EVERY_OPERAND: Readonly<Record<string, OptionTable>> = {
  mkdir: table({ flags: "pvZ", values: "m", longFlags: [...common, "parents", "verbose"], longValues: ["mode"], longOptional: ["context"] }),
  rmdir: table({ flags: "pv", longFlags: [...common, "ignore-fail-on-non-empty", "parents", "verbose"] }),
  rm: table({ flags: "dfiIrRv", longFlags: [...common, "dir", "force", "recursive", "verbose", "one-file-system", "no-preserve-root"], longOptional: ["interactive", "preserve-root"] }),
  unlink: table({ longFlags: common }),
  touch: table({ flags: "acfhm", values: "drt", longFlags: [...common, "no-create", "no-dereference"], longValues: ["date", "reference", "time"] }),
  tee: table({ flags: "aip", longFlags: [...common, "append", "ignore-interrupts"], longOptional: ["output-error"] }),
  truncate: table({ flags: "co", values: "rs", longFlags: [...common, "no-create", "io-blocks"], longValues: ["reference", "size"] }),
  shred: table({ flags: "fuvxz", values: "ns", longFlags: [...common, "force", "exact", "verbose", "zero"], longValues: ["iterations", "size", "random-source"], longOptional: ["remove"] }),
  mkfifo: table({ flags: "Z", values: "m", longFlags: common, longValues: ["mode"], longOptional: ["context"] }),
  // chmod changes what its operands lead to (the mode among them, judged as a path too: harmless); -R follows no link it meets.
  chmod: table({ flags: "cfvR", longFlags: [...common, "changes", "silent", "quiet", "verbose", "no-preserve-root", "preserve-root", "recursive"], longValues: ["reference"] }),
};

/**
 * The options of cp, mv, mkdir, touch, rm and rmdir a program may take without
 * `tools.exec.allowUnknownOptions`: ones the tables above read (so the writes are judged as the program
 * makes them) and that neither make nor follow links nor change where a file lands (`mkdir -p`, `cp -r`,
 * `rm -rf`, `mv -n`). Anything else still needs the opt-in.
 */
export const PLAIN_OPTIONS: Readonly<Record<string, OptionTable>> = {
  cp: table({ flags: "fnrRv", longFlags: [...common, "force", "no-clobber", "recursive", "verbose"] }),
  mv: table({ flags: "fnv", longFlags: [...common, "force", "no-clobber", "verbose"] }),
  mkdir: table({ flags: "pv", values: "m", longFlags: [...common, "parents", "verbose"], longValues: ["mode"] }),
  touch: table({ flags: "acm", longFlags: [...common, "no-create"] }),
  rm: table({ flags: "dfrRv", longFlags: [...common, "dir", "force", "recursive", "verbose"] }),
  rmdir: table({ flags: "v", longFlags: [...common, "ignore-fail-on-non-empty", "verbose"] }),
};

/**
 * Programs hearth has no description of that write nothing but their output (reading only what they
 * are given), whatever option they take: their arguments are read, never written.
 */
const READ_ONLY: ReadonlySet<string> = new Set([
  "diff", "cmp", "comm", "base64", "base32", "basenc", "od", "hexdump", "md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum", "cksum", "sum",
  "nl", "tac", "rev", "fold", "fmt", "paste", "join", "expand", "unexpand", "strings", "jq", "tsort", "numfmt", "nproc", "sleep", "df", "free", "uptime",
  "column", "zcat",
]);

/** tree's long options, none of which writes (its parser takes no abbreviations); `-o FILE` writes the listing, `-R` (with `-H`) a 00Tree.html in each folder. */
const TREE_LONG = new Set(["help", "version", "inodes", "device", "noreport", "nolinks", "dirsfirst", "filesfirst", "filelimit", "timefmt", "si", "du", "prune", "charset", "fromfile", "info", "gitignore", "matchdirs", "metafirst", "sort", "ignore-case", "hintro", "houtro", "noindent"]);

/** tree: nothing, unless an option may write (`-o`, `-R`, one of its letters in a bundle or a value) or is not one exec knows: then every argument. */
function treeTargets(args: readonly string[]): WriteTargets {
  for (const argument of args) {
    if (argument === "--") break;
    if (argument.startsWith("--") && !TREE_LONG.has(argument.slice(2).split("=", 1)[0] ?? "")) return { every: true };
    if (/^-[^-]/.test(argument) && /[oR]/.test(argument)) return { every: true };
  }
  return { every: false, targets: [] };
}

/**
 * What the program, run with these arguments (ones its checks allowed), may write. A described program
 * writes what its description says (a clone's directory, the archive tar creates, the folder it extracts
 * into; every other writing option is refused by its table). For one without a description: cp, mv,
 * ln and install their destination (`-t DIR`, or the last operand; mv its sources too, which it
 * removes), mkdir, rmdir, rm, unlink, touch, tee, truncate, shred, mkfifo and chmod every operand, dd its
 * `of=`, split its prefix, shuf its `-o`; a program known to write nothing (diff, od, sha256sum,
 * column, zcat…) nothing, and tree nothing unless `-o` or `-R`; any other, and any of these given an option exec does not know, every argument.
 */
export function writeTargets(program: string, args: readonly string[], description: ProgramDescription | undefined): WriteTargets {
  const name = program.replace(/\.exe$/i, "");
  if (description) return { every: false, targets: (description.writes?.(args) ?? []).map((place) => ({ argument: place.argument, chain: place.chain })) };
  if (READ_ONLY.has(name)) return { every: false, targets: [] };
  if (name === "tree") return treeTargets(args);
  const copyLike = COPY_LIKE[name];
  if (copyLike) return parsed(args, copyLike, (items) => copyTargets(name, items));
  const everyOperand = EVERY_OPERAND[name];
  if (everyOperand) return parsed(args, everyOperand, (items) => operandsOf(items).map((operand) => ({ argument: operand, chain: [operand] })));
  if (name === "dd") return ddTargets(args);
  if (name === "split") return parsed(args, SPLIT, (items) => operandsOf(items).slice(1, 2).map(prefixTarget));
  if (name === "shuf") return parsed(args, SHUF, (items) => optionValues(items, ["-o", "--output"]).map((path) => ({ argument: path, chain: [path] })));
  return { every: true };
}

const SPLIT = table({ flags: "dex", values: "abClnt", longFlags: [...common, "elide-empty-files", "separator", "unbuffered", "verbose"], longValues: ["additional-suffix", "bytes", "line-bytes", "lines", "number", "suffix-length", "filter"], longOptional: ["numeric-suffixes", "hex-suffixes"] });
const SHUF = table({ flags: "erz", values: "ino", longFlags: [...common, "echo", "repeat", "zero-terminated"], longValues: ["input-range", "head-count", "output", "random-source"] });

function parsed(args: readonly string[], options: OptionTable, targets: (items: ParsedArgument[]) => WriteTarget[]): WriteTargets {
  const result = parseOptions(args, options);
  return result.ok ? { every: false, targets: targets(result.parsed) } : { every: true };
}

function copyTargets(name: string, items: ParsedArgument[]): WriteTarget[] {
  const files = operandsOf(items);
  const directory = optionValues(items, ["-t", "--target-directory"]).at(-1);
  const hasOption = (names: readonly string[]) => items.some((item) => item.kind === "option" && names.includes(item.name));
  // install -d: every operand is a folder it makes.
  if (name === "install" && hasOption(["-d", "--directory"])) return files.map((file) => ({ argument: file, chain: [file] }));
  // mv removes its sources: they are written too.
  const sources = directory !== undefined ? files : files.slice(0, -1);
  const moved = name === "mv" ? sources.map((file) => ({ argument: file, chain: [file] })) : [];
  const destination = directory ?? files.at(-1);
  // `ln TARGET` (one operand) links it in the working directory, as its own name.
  if (directory === undefined && (destination === undefined || (files.length === 1 && name === "ln"))) return files.length === 1 ? [{ argument: ".", chain: ["."], into: files }] : [];
  if (destination === undefined) return [];
  // cp --parents writes DEST/SOURCE, the source's whole path as given (`..` in it climbs out of DEST, `/` leading it is dropped).
  if (name === "cp" && hasOption(["--parents"])) return sources.map((source) => ({ argument: source, chain: [destination, source.replace(/^[\\/]+/, "")] }));
  const noDirectory = directory === undefined && hasOption(["-T", "--no-target-directory"]);
  const written: WriteTarget[] = [...moved, { argument: destination, chain: [destination], into: noDirectory ? undefined : sources }];
  // A backup (-b, --backup) is the written name with the suffix added: judged as well (GNU takes no suffix holding a "/", but a link may be there).
  const suffix = optionValues(items, ["-S", "--suffix"]).at(-1);
  if (suffix === undefined) return written;
  return [...written, { argument: suffix, chain: [`${destination}${suffix}`] }, ...(noDirectory ? [] : sources.map((source) => ({ argument: suffix, chain: [destination, `${basename(source)}${suffix}`] })))];
}

/** dd writes its `of=`; `if=` and the rest are read or numbers. */
function ddTargets(args: readonly string[]): WriteTargets {
  if (args.some((argument) => argument.startsWith("-") && argument !== "--help" && argument !== "--version")) return { every: true };
  return { every: false, targets: args.filter((argument) => argument.startsWith("of=")).map((argument) => ({ argument, chain: [argument.slice(3)] })) };
}

/** split writes PREFIXaa, PREFIXab…: judged as the file PREFIX would be. */
function prefixTarget(prefix: string): WriteTarget {
  return { argument: prefix, chain: [prefix] };
}

function operandsOf(items: readonly ParsedArgument[]): string[] {
  return items.flatMap((item) => (item.kind === "operand" ? [item.value] : []));
}

function optionValues(items: readonly ParsedArgument[], names: readonly string[]): string[] {
  return items.flatMap((item) => (item.kind === "option" && names.includes(item.name) && item.value !== undefined ? [item.value] : []));
}

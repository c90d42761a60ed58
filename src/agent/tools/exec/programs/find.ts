import type { Refusal } from "../parse-options.js";
import { FOLLOWS_LINKS, type PathArgument, type ProgramDescription } from "../program.js";
import { NAMES_IN_FILE, RUNS_PROGRAMS, WRITES_FILES } from "../option-table.js";
import { ownValue } from "../../../../shared/own-key.js";

/** Primaries (and how many arguments each takes) that only test or print. */
const PRIMARIES: Readonly<Record<string, number>> = {
  ...Object.fromEntries(
    [
      "print", "print0", "ls", "prune", "quit", "true", "false", "empty", "readable", "writable", "executable", "nouser", "nogroup", "depth", "follow", "xdev", "mount", "noleaf",
      "daystart", "ignore_readdir_race", "noignore_readdir_race", "not", "a", "and", "o", "or", "help", "version",
    ].map((name) => [name, 0]),
  ),
  ...Object.fromEntries(
    [
      "name", "iname", "path", "ipath", "wholename", "iwholename", "regex", "iregex", "lname", "ilname", "type", "xtype", "size", "perm", "user", "group", "uid", "gid", "links", "inum",
      "samefile", "newer", "anewer", "cnewer", "atime", "ctime", "mtime", "amin", "cmin", "mmin", "used", "maxdepth", "mindepth", "fstype", "regextype", "printf", "context",
    ].map((name) => [name, 1]),
  ),
};

/** Primaries whose argument is a file (`-newerXY` compares with a file's time unless Y is t, a date: taken as a file all the same). */
const FILE_PRIMARIES = /^(newer|anewer|cnewer|samefile|newer[aBcmt][aBcmt])$/;

const REFUSED: Readonly<Record<string, string>> = {
  exec: RUNS_PROGRAMS, execdir: RUNS_PROGRAMS, ok: RUNS_PROGRAMS, okdir: RUNS_PROGRAMS,
  delete: "it deletes files", fprint: WRITES_FILES, fprint0: WRITES_FILES, fprintf: WRITES_FILES, fls: WRITES_FILES,
  "files0-from": NAMES_IN_FILE,
};

/**
 * find reads its own language, no getopt: options (-H, -L, -P, -D, -O) first, then starting points,
 * then an expression of primaries, operators and their arguments. Every primary must be known; the
 * arguments of a primary (`-name -exec`) are values, not primaries.
 */
export const find: ProgramDescription = {
  names: ["find", "gfind"],
  check(args): Refusal | undefined {
    let index = 0;
    while (index < args.length && /^-[HLP]+$|^-[DO]/.test(args[index] as string)) index += args[index] === "-D" ? 2 : 1;
    while (index < args.length && !isExpressionStart(args[index] as string)) index += 1;
    for (; index < args.length; index += 1) {
      const argument = args[index] as string;
      if (argument === "(" || argument === ")" || argument === "!" || argument === ",") continue;
      const name = argument.slice(1);
      const refusedReason = ownValue(REFUSED, name);
      if (refusedReason) return { argument, reason: `${argument}: ${refusedReason}` };
      const newer = /^newer[aBcmt][aBcmt]$/.test(name);
      const arity = newer ? 1 : ownValue(PRIMARIES, name);
      if (!argument.startsWith("-") || arity === undefined) return { argument, reason: `${argument} is not a find primary exec allows` };
      index += arity;
      if (index >= args.length && arity > 0) return { argument, reason: `${argument} needs a value` };
    }
    return undefined;
  },
  // -L (before the starting points) and -follow (in the expression) follow every link met on the way.
  unsandboxed: followingArgument,
  // Without them find looks at a link, never through it.
  walkFollowsLinks: (args) => followingArgument(args) !== undefined,
  // The starting points, and the files the primaries that compare with one name (-newer, -samefile…); the rest of the expression is text (-name's pattern, -printf's format).
  paths(args): PathArgument[] {
    let index = 0;
    while (index < args.length && /^-[HLP]+$|^-[DO]/.test(args[index] as string)) index += args[index] === "-D" ? 2 : 1;
    const paths: PathArgument[] = [];
    for (; index < args.length && !isExpressionStart(args[index] as string); index += 1) paths.push({ argument: args[index] as string, path: args[index] as string, walked: true });
    for (; index < args.length; index += 1) {
      const name = (args[index] as string).slice(1);
      const value = args[index + 1];
      if (value !== undefined && FILE_PRIMARIES.test(name)) paths.push({ argument: value, path: value, walked: true });
      // A primary's own arguments are skipped: `-name -newer` names no file.
      index += FILE_PRIMARIES.test(name) ? 1 : (ownValue(PRIMARIES, name) ?? 0);
    }
    return paths;
  },
  // With no starting point, find walks ".".
  walksWorkingDirectory(args) {
    let index = 0;
    while (index < args.length && /^-[HLP]+$|^-[DO]/.test(args[index] as string)) index += args[index] === "-D" ? 2 : 1;
    return index >= args.length || isExpressionStart(args[index] as string);
  },
};

function isExpressionStart(argument: string): boolean {
  return (argument.startsWith("-") && argument.length > 1) || argument === "(" || argument === "!" || argument === ")" || argument === ",";
}

/** The argument making find follow every link it meets (-L before the starting points, -follow in the expression), with the reason it is refused without the sandbox. */
function followingArgument(args: readonly string[]): Refusal | undefined {
  let index = 0;
  for (; index < args.length && /^-[HLP]+$|^-[DO]/.test(args[index] as string); index += args[index] === "-D" ? 2 : 1) {
    const argument = args[index] as string;
    if (/^-[HLP]+$/.test(argument) && argument.includes("L")) return { argument, reason: FOLLOWS_LINKS };
  }
  const follow = args.slice(index).find((argument) => argument === "-follow");
  return follow ? { argument: follow, reason: FOLLOWS_LINKS } : undefined;
}

import type { OptionTable } from "./option-table.js";
import { parseOptions, type ParsedArgument, type Refusal } from "./parse-options.js";

/**
 * What hearth knows of one program: the arguments it may be given. `check` returns the first
 * argument refused and why, or undefined when the whole list may run.
 */
export interface ProgramDescription {
  names: readonly string[];
  check(args: readonly string[]): Refusal | undefined;
  /**
   * Paths (of a list `check` allowed) that decide where the program works, finds its repository or
   * writes: each must lead inside the working directory once symlinks are followed (see check-places.ts).
   */
  places?(args: readonly string[]): Place[];
  /**
   * Folders (of a list `check` allowed) the program resolves later relative paths in, each a chain
   * from the working directory (`git -C a -C b`: `[a, b]`); the secret check judges every argument in each.
   */
  directories?(args: readonly string[]): (readonly string[])[];
  /** Paths (of a list `check` allowed) the program writes or writes under; none may lead into a `.git` folder (check-git-dirs.ts). */
  writes?(args: readonly string[]): Place[];
  /** The arguments the program is started with, when hearth adds to what was checked (tar's exclusion of `.git` members). */
  launchArgs?(args: readonly string[]): string[];
  /** With no OS sandbox: the first argument the text guard alone cannot make safe, refused. */
  unsandboxed?(args: readonly string[]): Refusal | undefined;
  /**
   * The arguments (of a list `check` allowed) the program opens as files or folders, as it reads them —
   * operands and the values of options that name one — leaving out text: a pattern, a script, a format,
   * a revision. `walked`: a folder given is read through (its links followed, as diff's are), so the
   * links in it are checked (check-links.ts). Undefined: every argument may be a path, walked.
   */
  paths?(args: readonly string[]): PathArgument[];
  /**
   * Whether the program (with a list `check` allowed), walking a folder, follows the symlinks it finds
   * inside (diff -r, cp -r, grep -R, find -L, tar -h, ls -RL do) or leaves them be (grep -r, rg, find,
   * ls -R, du, tar -c): with no sandbox, a link out under a walked folder is refused only where it is
   * followed (check-links.ts). Undefined: followed.
   */
  walkFollowsLinks?(args: readonly string[]): boolean;
  /** Whether the program (with a list `check` allowed) walks the working directory with no path given (`find`, `grep -r`, `du`): its links are checked as a named folder's are (check-links.ts). */
  walksWorkingDirectory?(args: readonly string[]): boolean;
}

/**
 * A path as the program follows it: `chain` steps each relative to the one before (`git -C a -C b`
 * is b inside a), the first relative to the working directory; `argument` names it to the model.
 */
export interface Place {
  argument: string;
  chain: readonly string[];
}

/** An argument the program opens: `argument` as given (for the refusal), `path` the part that names the file. */
export interface PathArgument {
  argument: string;
  path: string;
  walked: boolean;
}

/** A program read by getopt_long: its options from the table, then checks over the parsed list; every operand is a path. */
export function getoptProgram(names: readonly string[], options: OptionTable, after?: (parsed: ParsedArgument[]) => Refusal | undefined): ProgramDescription {
  return {
    names,
    check(args) {
      const result = parseOptions(args, options);
      if (!result.ok) return result.refusal;
      return after?.(result.parsed);
    },
    paths(args) {
      const result = parseOptions(args, options);
      return result.ok ? pathArguments(result.parsed, 0) : [];
    },
  };
}

/**
 * The paths of a parsed list: the values of options the table marks as paths, and the operands but the
 * first `textOperands` (grep's pattern, sed's script, awk's program), all walked.
 */
export function pathArguments(parsed: readonly ParsedArgument[], textOperands: number): PathArgument[] {
  let operandsSeen = 0;
  const paths: PathArgument[] = [];
  for (const item of parsed) {
    // A value in the next argument is named by itself; an attached one by the whole argument (`-fFILE`, `--file=FILE`).
    if (item.kind === "option" && item.rule.path && item.value !== undefined) paths.push({ argument: item.argument.endsWith(item.value) ? item.argument : item.value, path: item.value, walked: true });
    if (item.kind !== "operand") continue;
    operandsSeen += 1;
    if (operandsSeen > textOperands) paths.push({ argument: item.value, path: item.value, walked: true });
  }
  return paths;
}

/** Programs that start another program named in their arguments: no argument at all. */
export function runnerProgram(names: readonly string[]): ProgramDescription {
  return {
    names,
    check: (args) => (args.length > 0 ? { argument: args[0] as string, reason: "it runs the program its arguments name; only the program alone may run" } : undefined),
  };
}

/** Programs that print their arguments and nothing else. */
export function textProgram(names: readonly string[]): ProgramDescription {
  return { names, check: () => undefined };
}

export function operands(parsed: readonly ParsedArgument[]): string[] {
  return parsed.flatMap((item) => (item.kind === "operand" ? [item.value] : []));
}

/** Following symlinks while walking folders: a link a cloned repository carried may lead anywhere. */
export const FOLLOWS_LINKS = "it follows symlinks while walking folders, and a link (one a cloned repository carried, say) may lead to hearth's keys; without the OS sandbox exec never does (tools.exec.sandbox \"auto\" with bubblewrap installed hides them)";

/**
 * The description, refusing besides — only when no OS sandbox runs the program — the options named
 * here (as the table names them: `-R`, `--dereference-recursive`), each with its reason.
 */
export function refusingUnsandboxed(description: ProgramDescription, options: OptionTable, refusals: Readonly<Record<string, string>>): ProgramDescription {
  return {
    ...description,
    unsandboxed(args) {
      const earlier = description.unsandboxed?.(args);
      if (earlier) return earlier;
      const result = parseOptions(args, options);
      if (!result.ok) return undefined;
      for (const item of result.parsed) {
        const reason = item.kind === "option" ? refusals[item.name] : undefined;
        if (reason && item.kind === "option") return { argument: item.argument, reason };
      }
      return undefined;
    },
  };
}

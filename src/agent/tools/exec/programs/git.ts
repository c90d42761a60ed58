import { flag, insideWorkingDirectory, refused, RUNS_PROGRAMS, table, type OptionTable } from "../option-table.js";
import { parseOptions, type Refusal } from "../parse-options.js";
import { operands, pathArguments, type PathArgument, type Place, type ProgramDescription } from "../program.js";
import * as options from "./git-options.js";
import { ownValue } from "../../../../shared/own-key.js";

/** git's own options before the subcommand, matched by exact name (git reads them itself). */
const topLevel: OptionTable = {
  ...table({
    values: "C",
    short: { P: flag, c: refused(RUNS_PROGRAMS), p: refused("it runs a pager", "none") },
    longFlags: ["no-pager", "version", "no-replace-objects", "literal-pathspecs", "glob-pathspecs", "noglob-pathspecs", "icase-pathspecs", "no-optional-locks", "no-advice"],
    long: {
      "config-env": refused(RUNS_PROGRAMS),
      "exec-path": refused(RUNS_PROGRAMS, "optional"),
      paginate: refused("it runs a pager", "none"),
      help: refused("it runs man or a browser", "none"),
      "git-dir": refused("another repository's config can run programs"),
      "work-tree": refused("another repository's config can run programs"),
    },
  }),
  abbreviations: false,
};

interface Subcommand {
  options: OptionTable;
  operands?: (values: string[]) => Refusal | undefined;
}

const byRepository = (values: string[]): Refusal | undefined => {
  const [url, directory] = values;
  const reason = url === undefined ? undefined : options.refusedRepository(url);
  if (reason) return { argument: url as string, reason };
  const outside = directory === undefined ? undefined : insideWorkingDirectory(directory);
  return outside ? { argument: directory as string, reason: outside } : undefined;
};

/** The subcommands exec may run: reading history and the tree, and fetching a repository by http(s). */
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  status: { options: options.statusTable },
  log: { options: options.logTable },
  show: { options: options.logTable },
  shortlog: { options: { ...options.logTable, short: { ...options.logTable.short, s: flag, n: flag, e: flag, c: flag } } },
  whatchanged: { options: options.logTable },
  diff: { options: options.diffTable },
  blame: { options: options.blameTable },
  "ls-files": { options: options.lsFilesTable },
  "ls-tree": { options: options.lsTreeTable },
  "rev-parse": { options: options.revParseTable },
  grep: { options: options.grepTable },
  branch: { options: options.branchTable },
  tag: { options: options.tagTable },
  describe: { options: options.describeTable },
  "cat-file": { options: options.catFileTable },
  "ls-remote": { options: options.lsRemoteTable, operands: ([url]) => byRepository(url === undefined ? [] : [url]) },
  clone: { options: options.cloneTable, operands: byRepository },
  version: { options: table({}) },
};

/** git's subcommands that change a repository, its work tree, its config or a remote: the refusal says why none is offered. */
const WRITING = new Set(["add", "am", "apply", "checkout", "cherry-pick", "clean", "commit", "config", "fetch", "gc", "init", "merge", "mv", "notes", "pull", "push", "rebase", "remote", "reset", "restore", "revert", "rm", "stash", "submodule", "switch", "worktree"]);

/**
 * Why exec does not run this subcommand, and what the user can do: the fix first (a tool's note shows
 * the refusal's start), then which subcommands exec runs, then why the others are not offered — for
 * every setting, the sandbox's too: a list alone leaves the user guessing at a setting there is not.
 */
function notOffered(name: string): string {
  const runs = `exec runs only git's subcommands that read a repository or fetch one over http(s): ${Object.keys(SUBCOMMANDS).join(", ")} (branch and tag list them, or add one at a commit)`;
  if (WRITING.has(name)) {
    return `git ${name} is not run by exec, and no setting allows it: run it yourself, in a terminal. ${runs}. Those that write (add, commit, restore, stash…) can run programs the repository names — hooks, and the filters, merge drivers and signing programs its config sets — which without a sandbox run with all your rights, and a reset, restore or stash can throw away uncommitted work`;
  }
  return `git ${name} is not run by exec, and no setting allows it: ${runs}; any other — an alias or a git-${name} program included — could run programs nobody checked. Run it yourself, in a terminal, if you need it`;
}

/**
 * git: its own options, then one known subcommand with that subcommand's options. Aliases (which may
 * be shell commands), difftool, filter-running and hook-running commands are not in the list.
 */
export const git: ProgramDescription = {
  names: ["git"],
  check(args) {
    const top = parseOptions(args, topLevel, { stopAtOperand: true });
    if (!top.ok) return top.refusal;
    // `--` before the subcommand would leave the next word unchecked.
    if (top.parsed.some((item) => item.kind === "operand")) return { argument: "--", reason: "-- before the subcommand; give the subcommand first" };
    const [name, ...rest] = top.rest;
    if (name === undefined) return undefined;
    const subcommand = ownValue(SUBCOMMANDS, name);
    if (!subcommand) return { argument: name, reason: notOffered(name) };
    const parsed = parseOptions(rest, subcommand.options);
    if (!parsed.ok) return { ...parsed.refusal, reason: `git ${name}: ${parsed.refusal.reason}` };
    return subcommand.operands?.(operands(parsed.parsed));
  },
  // -C chooses the repository as surely as --git-dir (its config can run programs); each -C is
  // relative to the one before. A clone's directory is written.
  places(args) {
    const { directories, target } = gitPaths(args);
    return target ? [...directories, target] : directories;
  },
  // Every argument after -C is resolved in it (pathspecs, --no-index paths, --contents=…).
  directories: (args) => gitPaths(args).directories.map((place) => place.chain),
  // git reads a folder's symlinks as links, never through them (a pathspec stops at one, `diff --no-index`
  // shows a link's target text): no folder it is given is walked, each path is still followed itself.
  // Each -C; a subcommand's operands (revisions and paths alike, as git decides), but git grep's pattern;
  // the values of options that name a file (`blame --contents`, `grep -f`). A clone copies its source's
  // `.git`: that one is walked.
  paths(args): PathArgument[] {
    const top = parseOptions(args, topLevel, { stopAtOperand: true });
    if (!top.ok) return [];
    const directories = top.parsed.flatMap((item) => (item.kind === "option" && item.name === "-C" && item.value !== undefined ? [{ argument: item.value, path: item.value, walked: false }] : []));
    const [name, ...rest] = top.rest;
    const subcommand = name === undefined ? undefined : ownValue(SUBCOMMANDS, name);
    const parsed = subcommand ? parseOptions(rest, subcommand.options) : undefined;
    if (!parsed?.ok) return directories;
    const patternGiven = parsed.parsed.some((item) => item.kind === "option" && (item.name === "-e" || item.name === "-f"));
    const named = pathArguments(parsed.parsed, name === "grep" && !patternGiven ? 1 : 0);
    return [...directories, ...named.map((path) => ({ ...path, walked: name === "clone" }))];
  },
  // git writes only a clone's directory: never a .git folder (a clone into `r/.git` would replace that repository's config).
  writes(args) {
    const { target } = gitPaths(args);
    return target ? [target] : [];
  },
};

/** Each -C (as a chain, each relative to the one before) and a clone's directory. */
function gitPaths(args: readonly string[]): { directories: Place[]; target: Place | undefined } {
  const top = parseOptions(args, topLevel, { stopAtOperand: true });
  if (!top.ok) return { directories: [], target: undefined };
  const directories: Place[] = [];
  let directory: string[] = [];
  for (const item of top.parsed) {
    if (item.kind !== "option" || item.name !== "-C" || item.value === undefined) continue;
    directory = [...directory, item.value];
    directories.push({ argument: item.value, chain: directory });
  }
  const [name, ...rest] = top.rest;
  if (name !== "clone") return { directories, target: undefined };
  const parsed = parseOptions(rest, options.cloneTable);
  const target = parsed.ok ? operands(parsed.parsed)[1] : undefined;
  return { directories, target: target === undefined ? undefined : { argument: target, chain: [...directory, target] } };
}

/**
 * The remote a git command line (one `check` allowed) contacts itself: the subcommand, the repository
 * as given (undefined for ls-remote with none: the repository's own remote), a clone's bundle URI,
 * and whether `-C` chose the directory it starts in. Undefined for a subcommand that names no remote.
 */
export interface RemoteUse {
  subcommand: "clone" | "ls-remote";
  repository: string | undefined;
  bundleUri: string | undefined;
  changesDirectory: boolean;
}

export function remoteUse(args: readonly string[]): RemoteUse | undefined {
  const top = parseOptions(args, topLevel, { stopAtOperand: true });
  if (!top.ok) return undefined;
  const [name, ...rest] = top.rest;
  if (name !== "clone" && name !== "ls-remote") return undefined;
  const parsed = parseOptions(rest, name === "clone" ? options.cloneTable : options.lsRemoteTable);
  if (!parsed.ok) return undefined;
  const bundle = parsed.parsed.find((item) => item.kind === "option" && item.name === "--bundle-uri");
  return {
    subcommand: name,
    repository: operands(parsed.parsed)[0],
    bundleUri: bundle?.kind === "option" ? bundle.value : undefined,
    changesDirectory: top.parsed.some((item) => item.kind === "option" && item.name === "-C"),
  };
}

/** git's own options before the subcommand, as given (one `check` allowed): `-C dir`, `--no-pager`… */
export function topLevelArguments(args: readonly string[]): string[] {
  const top = parseOptions(args, topLevel, { stopAtOperand: true });
  return top.ok ? args.slice(0, args.length - top.rest.length) : [];
}

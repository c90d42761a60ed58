import { mkdir, mkdtemp, realpath, rm, stat } from "node:fs/promises";
import { release, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import * as z from "zod";
import { refusedLinkMaking, refusedOutwardLink } from "./exec/check-links.js";
import { refusedPlace } from "./exec/check-places.js";
import { refusedGitDirWrite } from "./exec/check-git-dirs.js";
import { refusedWrite } from "./exec/check-writes.js";
import { uncheckableRefusal } from "./exec/file-status.js";
import { LINK_CHECK_ENTRIES } from "./exec/check-links.js";
import { planSweep, sweepAfter, type SweepPlan } from "./exec/link-sweep.js";
import { writeGuards } from "./exec/write-guards.js";
import { locateProgram, programSearchPath } from "./exec/locate-program.js";
import { systemProgram } from "./exec/system-programs.js";
import { installDir } from "../../shared/install-dir.js";
import { PROCESS_FILES, refusedSecretPlace } from "./exec/check-secrets.js";
import { GIT_SAFETY, GIT_UNSANDBOXED, gitConfigEnv, refusedRepositoryConfig } from "./exec/git-launch-settings.js";
import { homeCredentialPlaces, homeFolders } from "./exec/guarded-places.js";
import { hiddenProgramNote } from "./exec/hidden-program.js";
import { lockExec } from "./exec/exec-lock.js";
import { OneAtATime } from "./exec/one-at-a-time.js";
import type { Refusal } from "./exec/parse-options.js";
import type { ProgramDescription } from "./exec/program.js";
import { execWorkingDirectory, refusedWorkingDirectory, within } from "./exec/working-directory.js";
import { TurnDiskBudget } from "./exec/disk-budget.js";
import { endingSignal, EXEC_LIMITS, limitedCommand, limitSignalNote, processesCountedPerNamespace } from "./exec/resource-limits.js";
import { runProgram } from "./exec/run-program.js";
import type { NetworkGuard } from "./exec/git-network.js";
import { sandboxed, SandboxProbe, type SandboxSupport } from "./exec/sandbox.js";
import { sandboxPlaces } from "./exec/sandbox-places.js";
import type { Tool, ToolContext } from "./tool.js";

const parameters = z.strictObject({
  command: z.string().min(1).describe("program name"),
  args: z.array(z.string()).optional(),
});

export const EXEC_DEFAULTS = { timeoutSeconds: 30, maxOutputChars: 20_000, sandbox: "auto", allowUnknownOptions: false } as const;

/** Variables a command may see; the rest (API keys, tokens) stays in hearth. */
const PASSED_ENV = /^(PATH|PATHEXT|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_(ALL|CTYPE|COLLATE|MESSAGES|MONETARY|NUMERIC|TIME)|TZ|TMPDIR|TEMP|TMP|TERM|SYSTEMROOT|WINDIR|COMSPEC|USERPROFILE)$/i;

export interface ExecToolOptions {
  /** Finds out (once) whether an OS sandbox works here; one per tool instance by default. */
  probe?: SandboxProbe | undefined;
  /**
   * Files a program may not read, besides the state dir: the config file and gateway.env with their
   * keys. The sandbox hides them; with no sandbox, arguments that lead to them are refused.
   */
  hiddenFiles?: readonly string[] | undefined;
  /** Where git may connect without the sandbox; default web_fetch's: node:dns, and public addresses only. */
  network?: Partial<NetworkGuard> | undefined;
  /** The home folder: its credential places (guarded-places.ts) no program reads with no sandbox, and the sandbox hides it; default $HOME. */
  home?: string | undefined;
  /** The account's own home folder (its passwd entry), guarded and hidden like `home` when $HOME names another; default os.userInfo()'s. */
  accountHome?: string | undefined;
  /** Most entries exec looks at for symlinks before an unsandboxed call (check-links.ts); default LINK_CHECK_ENTRIES. */
  linkCheckEntries?: number | undefined;
  /** Most entries of the places where keys are kept looked at when a call reaches a file with other names (check-hard-links.ts); default GUARDED_ENTRIES. */
  guardedEntries?: number | undefined;
  /** The most one turn's calls may add under the working directory; default EXEC_LIMITS.turnDiskBytes. */
  turnDiskBytes?: number | undefined;
  /** hearth's own install (the folder holding bin/ and dist/), which no exec call writes into; default the running hearth's. */
  installRoot?: string | undefined;
}

/**
 * `exec`: one allowed program, run without a shell (an argv array: no pipes, globbing or `;`), with
 * only the arguments its description allows, inside an OS sandbox where there is one (only its
 * working directory writable, no network), with a time limit. Without the sandbox git reaches only
 * public addresses, checked and pinned (exec/git-network.ts).
 */
export function createExecTool(options: ExecToolOptions = {}): Tool<z.output<typeof parameters>> {
  const probe = options.probe ?? new SandboxProbe();
  const oneAtATime = new OneAtATime();
  const disk = new TurnDiskBudget(options.turnDiskBytes ?? EXEC_LIMITS.turnDiskBytes);
  const homes = homeFolders(options.home, options.accountHome);
  const installRoot = options.installRoot ?? installDir(import.meta.url);
  // util-linux's prlimit, found once, in a system folder only (system-programs.ts): never one a program could have written.
  let prlimitLookup: Promise<string | undefined> | undefined;
  const findPrlimit = () => (prlimitLookup ??= process.platform === "linux" ? systemProgram("prlimit", process.env.PATH ?? "") : Promise.resolve(undefined));
  return {
    name: "exec",
    description: "Run one allowed program (no shell) and return its output.",
    parameters,
    async run(args, context) {
      const settings = context.settings.exec;
      if (!settings || settings.commands.length === 0) return { content: "exec is not configured (tools.exec.commands)", isError: true };
      const program = allowedProgram(args.command, settings.commands);
      if (!program) {
        return { content: `"${args.command}" is not an allowed command. Allowed: ${settings.commands.map((name) => basename(name)).join(", ")}. Give the name alone, arguments in args.`, isError: true };
      }
      const programArgs = args.args ?? [];
      // The programs' option tables load with the first call (not with the gateway's start).
      const { describedProgram, refusedArgument } = await import("./exec/check-arguments.js");
      const refusal = refusedArgument({ program: basename(program), args: programArgs, allowUnknownOptions: settings.allowUnknownOptions ?? EXEC_DEFAULTS.allowUnknownOptions });
      if (refusal) return refused(refusal, program);
      // Checks and program run with no other exec call in between, of this process (in order) or of any
      // other hearth process on this state dir (exec-lock.ts): what was judged on the file system stays so until the program ends.
      const ran = await oneAtATime.run(context.signal, async () => {
        const held = await lockExec(context.stateDir, context.signal);
        if (!held) return undefined;
        try {
          return await runChecked({ program, command: args.command, args: programArgs, description: describedProgram(basename(program)), settings, context });
        } finally {
          await held.release();
        }
      });
      return ran ?? { content: "killed: the turn was cancelled (before this call's turn came: exec runs one call at a time, across hearth's processes)", isError: true };
    },
  };

  async function runChecked(call: { program: string; command: string; args: readonly string[]; description: ProgramDescription | undefined; settings: NonNullable<ToolContext["settings"]["exec"]>; context: ToolContext }) {
    const { program, args: programArgs, description, settings, context } = call;
    const cwd = execWorkingDirectory(context.stateDir, settings.cwd);
    if (!settings.cwd) await mkdir(cwd, { recursive: true, mode: 0o700 });
    const notFound = { content: `${call.command}: not found (is ${basename(program)} installed and on PATH, and does ${cwd} exist?)`, isError: true };
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => PASSED_ENV.test(name)));
    // git looks for its repository from the working directory upwards: not above it, where a repository
    // around the workspace (a home kept in git) would open files outside it, and its config could run programs.
    env.GIT_CEILING_DIRECTORIES = dirname(await realpath(cwd).catch(() => resolve(cwd)));
    const mode = settings.sandbox ?? EXEC_DEFAULTS.sandbox;
    const support: SandboxSupport = mode === "off" ? { kind: "none", reason: "off" } : await probe.support();
    if (support.kind === "none" && mode === "require") {
      return { content: `exec is refused: tools.exec.sandbox is "require" but ${support.reason}. Install bubblewrap, or set tools.exec.sandbox to "auto" to run with the argument guard alone.`, isError: true };
    }
    const isSandboxed = support.kind !== "none";
    const realCwd = await realpath(cwd).catch(() => resolve(cwd));
    const searchPath = env.PATH ?? "";
    const guarded = [...(options.hiddenFiles ?? []), PROCESS_FILES];
    const otherPlaces = homes.flatMap(homeCredentialPlaces);
    const maxEntries = options.linkCheckEntries ?? LINK_CHECK_ENTRIES;
    let writeGuarded: Awaited<ReturnType<typeof writeGuards>>;
    let placeRefusal: Refusal | undefined;
    // With no sandbox, where the program's writes may put a link leading out: looked at again after it ends (link-sweep.ts).
    let sweep: SweepPlan | undefined;
    try {
      // Places no call writes into, inside the working directory too: hearth's install, what lies on PATH, login files.
      writeGuarded = await writeGuards({ installRoot, path: searchPath, homes, nodePath: process.env.NODE_PATH, nodeBinary: process.execPath });
      placeRefusal =
        (await refusedWorkingDirectory({ cwd, stateDir: context.stateDir, places: guarded, otherPlaces, sandboxed: isSandboxed })) ??
        (await refusedPlace({ description, args: programArgs, cwd, sandboxed: isSandboxed })) ??
        (isSandboxed ? undefined : await refusedSecretPlace({ args: programArgs, cwd, places: [context.stateDir, ...guarded], otherPlaces, directories: description ? (description.directories?.(programArgs) ?? []) : undefined })) ??
        (isSandboxed ? undefined : refusedLinkMaking(basename(program), programArgs)) ??
        (isSandboxed ? undefined : await refusedOutwardLink({ description, args: programArgs, cwd, places: [context.stateDir, ...guarded], otherPlaces, directories: description?.directories?.(programArgs) ?? [], maxEntries, guardedEntries: options.guardedEntries })) ??
        (isSandboxed ? undefined : await refusedWrite({ program: basename(program), description, args: programArgs, cwd, guarded: writeGuarded })) ??
        (await refusedGitDirWrite({ description, args: programArgs, cwd }));
      if (!placeRefusal && !isSandboxed && (await isDirectory(cwd))) {
        const planned = await planSweep({ program: basename(program), description, args: programArgs, root: realCwd, guarded: writeGuarded, maxEntries });
        if ("refusal" in planned) placeRefusal = planned.refusal;
        else sweep = planned.plan;
      }
    } catch (error) {
      // A path a check could not look at (too long, no permission) is never taken as safe.
      const uncheckable = uncheckableRefusal(error);
      if (!uncheckable) throw error;
      return refused(uncheckable, program);
    }
    if (placeRefusal) return refused(placeRefusal, program);
    // The program's file, found once for every use below (git's version and config, the run), never in the working directory without a sandbox.
    const located = (await isDirectory(cwd)) ? await locateProgram({ program, path: searchPath, cwd: realCwd, sandboxed: isSandboxed }) : { ok: false as const };
    if (!located.ok) return located.refusal ? refused(located.refusal, program) : notFound;
    const found = located.path;
    env.PATH = await programSearchPath(searchPath, { cwd: realCwd, sandboxed: isSandboxed });
    const gitRun = description?.names.includes("git") ? await gitLaunch(programArgs, { sandboxed: isSandboxed, network: options.network, program: found, env }) : undefined;
    if (gitRun && !gitRun.ok) return refused(gitRun.refusal, program);
    Object.assign(env, gitConfigEnv([...GIT_SAFETY, ...(isSandboxed ? [] : GIT_UNSANDBOXED), ...(gitRun?.launch.settings ?? [])]), gitRun?.launch.env);
    if (gitRun) {
      const { topLevelArguments } = await import("./exec/programs/git.js");
      const configRefusal = (await isDirectory(cwd)) ? await refusedRepositoryConfig({ program: found, topLevel: topLevelArguments(programArgs), cwd, env }) : undefined;
      if (configRefusal) return refused(configRefusal, program);
    }
    const launched = description?.launchArgs?.(programArgs) ?? [...programArgs];
    // Under resource limits wherever prlimit is (util-linux, in a system folder): the sandbox runs that same file.
    const prlimit = await findPrlimit();
    let spawned: { program: string; args: readonly string[]; filter?: Buffer | undefined } = { program: found, args: launched };
    if (isSandboxed) {
      const places = await sandboxPlaces({ cwd: realCwd, stateDir: context.stateDir, homes, runtimeDir: process.env.XDG_RUNTIME_DIR, files: options.hiddenFiles ?? [] });
      const realHomes = await Promise.all(homes.map((home) => realpath(home).catch(() => home)));
      const hiddenNote = await hiddenProgramNote({ command: call.command, found, cwd: realCwd, ...places, homes: realHomes, stateDir: await realpath(context.stateDir).catch(() => context.stateDir), path: env.PATH ?? "", findExecutable: async (name, path) => { const interpreter = await locateProgram({ program: name, path, cwd: realCwd, sandboxed: true }); return interpreter.ok ? interpreter.path : undefined; } });
      if (hiddenNote) return { content: hiddenNote, isError: true };
      const limited = prlimit ? limitedCommand(prlimit, { program: found, args: launched, countProcesses: processesCountedPerNamespace(release()) }) : { program: found, args: launched };
      // Inside the working directory, hearth's install and PATH's folders stay read-only in the sandbox too.
      // (Those there: a place not made yet cannot be mounted.)
      const readOnly = (await Promise.all(writeGuarded.map(async (folder) => ((await exists(folder.path)) ? [folder.path] : [])))).flat().filter((path) => within(path, realCwd) && path !== realCwd);
      spawned = sandboxed(support, { ...limited, cwd: realCwd, ...places, readOnly });
    } else if (prlimit) {
      spawned = limitedCommand(prlimit, { program: found, args: launched, countProcesses: false });
    }
    const timeoutSeconds = settings.timeoutSeconds ?? EXEC_DEFAULTS.timeoutSeconds;
    // What the turn may still add under the working directory: nothing more once it is past its limit.
    const diskPlace = await realpath(cwd).catch(() => resolve(cwd));
    const account = await disk.account(context.turn ?? {}, diskPlace);
    if (account.added > disk.limitBytes) return { content: `Not run: ${disk.note(account, diskPlace)}.`, isError: true };
    const runIn = gitRun?.ok && gitRun.launch.outsideRepository ? await emptyDirectory(env) : undefined;
    const stop = new AbortController();
    const forward = () => stop.abort();
    context.signal.addEventListener("abort", forward, { once: true });
    if (context.signal.aborted) stop.abort();
    let overDisk = false;
    const unwatch = disk.watch(account, diskPlace, () => {
      overDisk = true;
      stop.abort();
    });
    let run: Awaited<ReturnType<typeof runProgram>>;
    try {
      run = await runProgram({ ...spawned, cwd: runIn ?? cwd, env, timeoutMs: timeoutSeconds * 1000, maxOutputChars: EXEC_DEFAULTS.maxOutputChars, signal: stop.signal });
    } finally {
      unwatch();
      context.signal.removeEventListener("abort", forward);
      if (runIn) await rm(runIn, { recursive: true, force: true });
    }
    overDisk = (await disk.settle(account, diskPlace)) || overDisk;
    const linkNote = sweep ? await sweepAfter(sweep, { root: realCwd, maxEntries }) : undefined;
    if (run.spawnError) return run.spawnError.code === "ENOENT" ? notFound : { content: `${call.command}: ${run.spawnError.message}`, isError: true };
    return report(run, { program, timeoutSeconds, context, sandboxed: isSandboxed, diskNote: overDisk ? disk.note(account, diskPlace) : undefined, linkNote });
  }
}

function refused(refusal: Refusal, program: string) {
  return { content: `"${refusal.argument}" is not allowed with ${basename(program)}: ${refusal.reason}`, isError: true };
}

/** How git may reach the network on this run (see exec/git-network.ts); its modules load with the first git call. */
async function gitLaunch(args: readonly string[], options: { sandboxed: boolean; network: Partial<NetworkGuard> | undefined; program: string; env: NodeJS.ProcessEnv }) {
  const [{ gitLaunch: launch, readGitVersion }, { resolveWithDns }, { refusalReason }] = await Promise.all([import("./exec/git-network.js"), import("./guarded-get.js"), import("./private-address.js")]);
  const guard: NetworkGuard = { resolve: options.network?.resolve ?? resolveWithDns, refusalReason: options.network?.refusalReason ?? ((address) => refusalReason(address)) };
  return launch(args, { sandboxed: options.sandboxed, guard, version: () => readGitVersion(options.program, options.env) });
}

/** A fresh empty directory to run in, with git's search for a repository stopped above it. */
async function emptyDirectory(env: NodeJS.ProcessEnv): Promise<string> {
  const directory = await realpath(await mkdtemp(join(tmpdir(), "hearth-git-")));
  env.GIT_CEILING_DIRECTORIES = dirname(directory);
  return directory;
}

function report(run: Awaited<ReturnType<typeof runProgram>>, about: { program: string; timeoutSeconds: number; context: ToolContext; sandboxed: boolean; diskNote: string | undefined; linkNote: string | undefined }) {
  const signal = endingSignal(run, about.sandboxed);
  const ended = run.timedOut
    ? `killed after ${about.timeoutSeconds} s (tools.exec.timeoutSeconds)`
    : run.cancelled && about.diskNote
      ? `killed: ${about.diskNote}`
      : run.cancelled
        ? "killed: the turn was cancelled"
        : signal
          ? `killed by ${signal}${limitSignalNote(signal) ? `: ${limitSignalNote(signal)}` : ""}`
          : `exit code ${run.exitCode ?? "unknown"}`;
  // A program that ended on its own past the limit: said after how it ended.
  const status = about.diskNote && !ended.startsWith("killed: this turn") ? `${ended}; ${about.diskNote}` : ended;
  const cut = run.totalChars > run.output.length ? ` [${(run.totalChars - run.output.length).toLocaleString("en-US")} more characters of output cut]` : "";
  const shown = run.output.trimEnd() ? about.context.untrusted(run.output.trimEnd(), `output of ${basename(about.program)}`) : "(no output)";
  // Notes before the block: a later cut keeps the end of the output, with its closing marker.
  const links = about.linkNote ? `\n${about.linkNote}` : "";
  return { content: `${status}${cut}${links}\n${shown}`, isError: run.timedOut || run.cancelled || run.exitCode !== 0 || about.diskNote !== undefined || about.linkNote !== undefined };
}

/**
 * The program to run, or undefined when it is not allowed. A name matches a configured entry by
 * its basename (`git` runs `/usr/bin/git` when that is configured); a path must be configured as is,
 * so `/tmp/x/git` does not pass as `git`.
 */
export function allowedProgram(command: string, allowed: readonly string[]): string | undefined {
  const name = command.trim();
  if (allowed.includes(name)) return name;
  if (/[/\\]/.test(name)) return undefined;
  return allowed.find((entry) => basename(entry) === name);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((found) => found.isDirectory(), () => false);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

import { constants } from "node:os";

/**
 * The resource limits every exec child runs under (setrlimit, through util-linux's `prlimit`, which
 * sets them on itself and then becomes the program): room for ordinary work (git on a large
 * repository, sort, a script), not for one call to take the machine's memory or disk.
 */
export const EXEC_LIMITS = {
  /** RLIMIT_DATA: heap and private memory; past it allocations fail (a program says "memory exhausted" or the like). */
  dataBytes: 2 * 1024 * 1024 * 1024,
  /** RLIMIT_FSIZE: the largest file it may write; past it the write fails and the program gets SIGXFSZ. */
  fileBytes: 1024 * 1024 * 1024,
  /** Not an rlimit: the most one turn's exec calls may add under the working directory (disk-budget.ts). */
  turnDiskBytes: 4 * 1024 * 1024 * 1024,
  /** RLIMIT_NPROC, inside the sandbox only (its own user namespace counts only its own processes; outside it would count all of yours). */
  processes: 256,
} as const;

/**
 * Whether RLIMIT_NPROC inside the sandbox counts only the sandbox's processes: Linux 5.14 and later
 * count processes per user namespace; before, the limit would count every process of the user.
 */
export function processesCountedPerNamespace(release: string): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map((part) => Number.parseInt(part, 10));
  return major > 5 || (major === 5 && minor >= 14);
}

/** The command that runs `program` under the limits: prlimit's arguments in front of it. */
export function limitedCommand(prlimit: string, command: { program: string; args: readonly string[]; countProcesses: boolean }): { program: string; args: string[] } {
  const limits = [`--data=${EXEC_LIMITS.dataBytes}`, `--fsize=${EXEC_LIMITS.fileBytes}`, ...(command.countProcesses ? [`--nproc=${EXEC_LIMITS.processes}`] : [])];
  return { program: prlimit, args: [...limits, "--", command.program, ...command.args] };
}

/** What a signal from a limit means, for the result the model reads. */
export function limitSignalNote(signal: NodeJS.Signals | null): string | undefined {
  if (signal === "SIGXFSZ") return `a file it wrote reached exec's size limit (${EXEC_LIMITS.fileBytes / 1024 / 1024} MiB)`;
  return undefined;
}

/**
 * The signal that ended a program, also when it reached hearth as an exit code: bubblewrap exits with
 * 128 + the signal's number when its child was killed by one (153: SIGXFSZ, a limit's).
 */
export function endingSignal(run: { exitCode: number | null; signal: NodeJS.Signals | null }, sandboxed: boolean): NodeJS.Signals | null {
  if (run.signal || !sandboxed || run.exitCode === null || run.exitCode <= 128) return run.signal;
  const number = run.exitCode - 128;
  const name = Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
  return (name as NodeJS.Signals | undefined) ?? null;
}

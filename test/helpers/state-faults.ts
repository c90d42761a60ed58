// Helpers for tests of a damaged or unusable state dir: the real bin/hearth with a time limit (a
// command that hangs on a FIFO fails the test instead of hanging it), run as another user when asked
// (root ignores permission bits), and tiny tmpfs mounts for read-only and full disks where this
// machine lets the test mount them.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { hearthBin, repoRoot, type CliResult } from "./run-cli.js";

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group id (65534: nobody). */
  uid?: number;
  /** Killed after this long; the result then says so (code -1). */
  timeoutMs?: number;
}

export function runHearth(args: readonly string[], options: RunOptions = {}): Promise<CliResult & { timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [hearthBin, ...args],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", ...options.env },
        timeout: options.timeoutMs ?? 20_000,
        killSignal: "SIGKILL",
        ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
      },
      (error, stdout, stderr) => {
        const timedOut = Boolean(error && (error as { killed?: boolean }).killed);
        const code = timedOut ? -1 : error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), timedOut });
      },
    );
    child.stdin?.end();
  });
}

/** Mounts a tmpfs of `sizeKb` at `dir` (read-only when asked); undefined when this machine does not allow it. */
export function mountTmpfs(dir: string, options: { sizeKb: number; readOnly?: boolean }): (() => void) | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${options.sizeKb}k,mode=0755${options.readOnly ? ",ro" : ""}`, "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return () => execFileSync("umount", [dir], { stdio: "ignore" });
}

/** Remounts a tmpfs mounted by `mountTmpfs` read-only (after writing what the test needs). */
export function remountReadOnly(dir: string): void {
  execFileSync("mount", ["-o", "remount,ro", dir], { stdio: "ignore" });
}

export const isRoot = (): boolean => process.getuid?.() === 0;

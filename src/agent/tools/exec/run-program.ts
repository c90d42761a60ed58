import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { timerDelay } from "../../../shared/timer-delay.js";

export interface RunProgramOptions {
  program: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputChars: number;
  signal: AbortSignal;
  /** Written to the child's fd 3 (bwrap's seccomp filter), then closed. */
  filter?: Buffer | undefined;
}

export interface RunResult {
  output: string;
  totalChars: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: NodeJS.ErrnoException | undefined;
}

/** Runs one program without a shell, stdout and stderr together, killed (with its process group) at the limit or on abort. */
export function runProgram(options: RunProgramOptions): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(options.program, options.args, { cwd: options.cwd, env: options.env, shell: false, stdio: ["ignore", "pipe", "pipe", options.filter ? "pipe" : "ignore"], detached: process.platform !== "win32", windowsHide: true });
    // Pipes, as asked for above (fd 3 too, when there is a filter).
    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    const filterPipe = child.stdio[3];
    if (options.filter && filterPipe && "end" in filterPipe) {
      // A child that fails before reading it closes the pipe: its exit says why, not this write.
      filterPipe.on("error", () => undefined);
      filterPipe.end(options.filter);
    }
    const result: RunResult = { output: "", totalChars: 0, exitCode: null, signal: null, timedOut: false, cancelled: false };
    const collect = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      result.totalChars += text.length;
      const room = options.maxOutputChars - result.output.length;
      if (room > 0) result.output += text.slice(0, room);
    };
    stdout.on("data", collect);
    stderr.on("data", collect);
    // The whole process group: a program's own children die with it.
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    // A descendant that left the process group may hold the pipes open: the limit ends the wait all the same.
    const timer = setTimeout(() => {
      result.timedOut = true;
      kill();
      setTimeout(finish, 200).unref();
    }, timerDelay(options.timeoutMs));
    const onAbort = () => {
      result.cancelled = true;
      kill();
      setTimeout(finish, 200).unref();
    };
    options.signal.addEventListener("abort", onAbort, { once: true });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal.removeEventListener("abort", onAbort);
      stdout.destroy();
      stderr.destroy();
      resolvePromise(result);
    };
    let grace: NodeJS.Timeout | undefined;
    child.once("error", (error: NodeJS.ErrnoException) => {
      result.spawnError = error;
      finish();
    });
    child.once("exit", (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      // Output still in the pipes arrives shortly; a descendant holding them open is not waited for.
      grace = setTimeout(finish, 1_000);
      grace.unref();
    });
    child.once("close", (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      finish();
    });
  });
}

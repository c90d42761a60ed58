// Starts the real `bin/hearth gateway` on a free port and reads what it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { hearthBin, repoRoot } from "./run-cli.js";

export interface RunningGateway {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr has a line matching `pattern` (after any earlier match). */
  waitFor(pattern: RegExp, stream?: "stdout" | "stderr"): Promise<string>;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

export async function startGateway(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  return startGatewayWith(["--port", "0", ...args], env);
}

/** Starts it with exactly `args`: no `--port 0` added (it listens where its config says). */
export async function startGatewayWith(args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunningGateway> {
  return startGatewayOf({ bin: hearthBin, args, env });
}

/** Starts the gateway of the install whose `bin/hearth` is `bin` (a copy of this one, made to break) with exactly `args`. */
export async function startGatewayOf(install: { bin: string; args: readonly string[]; env: NodeJS.ProcessEnv }): Promise<RunningGateway> {
  const { bin, args, env } = install;
  const child = spawn(process.execPath, [bin, "gateway", ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  const waiters: (() => void)[] = [];
  const notify = (): void => waiters.splice(0).forEach((wake) => wake());
  child.stdout.on("data", (chunk: Buffer) => {
    out.stdout += chunk.toString();
    notify();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    out.stderr += chunk.toString();
    notify();
  });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => {
    ended = true;
    notify();
  });
  const consumed = { stdout: 0, stderr: 0 };
  const waitFor = async (pattern: RegExp, stream: "stdout" | "stderr" = "stdout"): Promise<string> => {
    for (;;) {
      const rest = out[stream].slice(consumed[stream]);
      const match = pattern.exec(rest);
      if (match) {
        consumed[stream] += match.index + match[0].length;
        return match[0];
      }
      if (ended) throw new Error(`the gateway exited before printing ${pattern}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const line = await waitFor(/web chat at (http:\/\/\S+)\//);
  const url = /(http:\/\/[^/\s]+)/.exec(line)?.[1] ?? "";
  return {
    child,
    url,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    waitFor,
    exited,
    stop: async () => {
      if (!ended) child.kill("SIGKILL");
      await exited;
    },
  };
}

import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import type { Tool, ToolContext } from "./tool.js";

const parameters = z.strictObject({
  command: z.string().min(1).describe("program name"),
  args: z.array(z.string()).optional(),
});

export const EXEC_DEFAULTS = { timeoutSeconds: 30, maxOutputChars: 20_000 } as const;

/** Variables a command may see; the rest (API keys, tokens) stays in hearth. */
const PASSED_ENV = /^(PATH|PATHEXT|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TEMP|TMP|TERM|SYSTEMROOT|WINDIR|COMSPEC|USERPROFILE)$/i;

/**
 * `exec`: one allowed program, run without a shell (an argv array: no pipes, globbing or `;`), in a
 * workspace folder, with a time limit.
 */
export function createExecTool(): Tool<z.output<typeof parameters>> {
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
      const cwd = settings.cwd ? resolve(context.stateDir, settings.cwd) : join(context.stateDir, "workspace");
      if (!settings.cwd) await mkdir(cwd, { recursive: true, mode: 0o700 });
      const timeoutSeconds = settings.timeoutSeconds ?? EXEC_DEFAULTS.timeoutSeconds;
      const run = await runProgram(program, args.args ?? [], cwd, timeoutSeconds * 1000, context);
      if (run.spawnError) {
        const reason = run.spawnError.code === "ENOENT" ? `not found (is ${basename(program)} installed and on PATH, and does ${cwd} exist?)` : run.spawnError.message;
        return { content: `${args.command}: ${reason}`, isError: true };
      }
      const status = run.timedOut
        ? `killed after ${timeoutSeconds} s (tools.exec.timeoutSeconds)`
        : run.cancelled
          ? "killed: the turn was cancelled"
          : run.signal
            ? `killed by ${run.signal}`
            : `exit code ${run.exitCode ?? "unknown"}`;
      const cut = run.totalChars > run.output.length ? `\n[${(run.totalChars - run.output.length).toLocaleString("en-US")} more characters of output cut]` : "";
      const shown = run.output.trimEnd() ? context.untrusted(run.output.trimEnd(), `output of ${basename(program)}`) : "(no output)";
      return { content: `${status}\n${shown}${cut}`, isError: run.timedOut || run.cancelled || run.exitCode !== 0 };
    },
  };
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

interface RunResult {
  output: string;
  totalChars: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError?: NodeJS.ErrnoException | undefined;
}

function runProgram(program: string, args: readonly string[], cwd: string, timeoutMs: number, context: ToolContext): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => PASSED_ENV.test(name)));
    const child = spawn(program, args, { cwd, env, shell: false, stdio: ["ignore", "pipe", "pipe"], detached: process.platform !== "win32", windowsHide: true });
    const result: RunResult = { output: "", totalChars: 0, exitCode: null, signal: null, timedOut: false, cancelled: false };
    const collect = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      result.totalChars += text.length;
      const room = EXEC_DEFAULTS.maxOutputChars - result.output.length;
      if (room > 0) result.output += text.slice(0, room);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    // The whole process group: a program's own children die with it.
    const kill = () => {
      try {
        if (child.pid !== undefined && process.platform !== "win32") process.kill(-child.pid, "SIGKILL");
        else child.kill("SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      result.timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => {
      result.cancelled = true;
      kill();
    };
    context.signal.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      context.signal.removeEventListener("abort", onAbort);
      resolvePromise(result);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      result.spawnError = error;
      finish();
    });
    child.once("exit", () => {
      // A grandchild that left the group may still hold the pipes: stop waiting for them once killed.
      if (result.timedOut || result.cancelled) {
        setImmediate(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        });
      }
    });
    child.once("close", (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      finish();
    });
  });
}

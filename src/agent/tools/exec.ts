import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import type { Tool, ToolContext } from "./tool.js";
import { timerDelay } from "../../shared/timer-delay.js";

const parameters = z.strictObject({
  command: z.string().min(1).describe("program name"),
  args: z.array(z.string()).optional(),
});

export const EXEC_DEFAULTS = { timeoutSeconds: 30, maxOutputChars: 20_000 } as const;

/** Variables a command may see; the rest (API keys, tokens) stays in hearth. */
const PASSED_ENV = /^(PATH|PATHEXT|HOME|USER|LOGNAME|LANG|LANGUAGE|LC_(ALL|CTYPE|COLLATE|MESSAGES|MONETARY|NUMERIC|TIME)|TZ|TMPDIR|TEMP|TMP|TERM|SYSTEMROOT|WINDIR|COMSPEC|USERPROFILE)$/i;

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
      const refused = refusedArgument(basename(program), args.args ?? []);
      if (refused) return { content: `"${refused}" is not allowed with ${basename(program)}: it would run other programs or write files`, isError: true };
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
      const cut = run.totalChars > run.output.length ? ` [${(run.totalChars - run.output.length).toLocaleString("en-US")} more characters of output cut]` : "";
      const shown = run.output.trimEnd() ? context.untrusted(run.output.trimEnd(), `output of ${basename(program)}`) : "(no output)";
      // Notes before the block: a later cut keeps the end of the output, with its closing marker.
      return { content: `${status}${cut}\n${shown}`, isError: run.timedOut || run.cancelled || run.exitCode !== 0 };
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

/**
 * Arguments with which common programs run other programs (or write arbitrary files): allowing the
 * program must not mean allowing a shell. Interpreters (sh, node, python, …) are a shell by nature:
 * the documentation says so, and only the user can decide to list one.
 */
const REFUSED_ARGUMENTS: Record<string, RegExp> = {
  git: /^(-c|--config-env(=.*)?|--exec-path(=.*)?|-c.+|--upload-pack(=.*)?|--receive-pack(=.*)?|--ext-diff|--textconv)$/,
  find: /^-(exec|execdir|ok|okdir|fprint|fprint0|fprintf|fls|delete)$/,
  tar: /^(--to-command(=.*)?|--use-compress-program(=.*)?|-I|--checkpoint-action(=.*)?|--info-script(=.*)?|--new-volume-script(=.*)?|-F)$/,
  rg: /^(--pre(=.*)?|--pre-glob(=.*)?)$/,
  xargs: /./,
  env: /./,
  timeout: /./,
  nice: /./,
  sudo: /./,
};

export function refusedArgument(program: string, args: readonly string[]): string | undefined {
  const pattern = REFUSED_ARGUMENTS[program];
  if (!pattern) return undefined;
  // A git alias starting with "!" runs a shell command; refuse aliases defined on the command line above and shell aliases here.
  return args.find((arg) => pattern.test(arg) || (program === "git" && arg.startsWith("!")));
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
    // A descendant that left the process group may hold the pipes open: the limit ends the wait all the same.
    const timer = setTimeout(() => {
      result.timedOut = true;
      kill();
      setTimeout(finish, 200).unref();
    }, timerDelay(timeoutMs));
    const onAbort = () => {
      result.cancelled = true;
      kill();
      setTimeout(finish, 200).unref();
    };
    context.signal.addEventListener("abort", onAbort, { once: true });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      context.signal.removeEventListener("abort", onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
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

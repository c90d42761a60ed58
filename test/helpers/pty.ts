import { spawn, spawnSync } from "node:child_process";
import { hearthBin, repoRoot } from "./run-cli.js";

export interface PtySession {
  /** Everything the terminal showed so far (stdout and stderr, as the pseudo-terminal passed them). */
  readonly output: string;
  /** Keys, as a terminal sends them (`\r` for Enter, `\x04` for Ctrl+D, `\x03` for Ctrl+C). */
  send(keys: string): void;
  /** Resolves once `pattern` shows at or after `from` in the output; rejects if hearth exits first. */
  waitFor(pattern: RegExp, from?: number): Promise<void>;
  /** hearth's exit code. */
  readonly exited: Promise<number>;
  /** Ends `script` (SIGTERM, which it passes on to hearth; SIGKILL: it dies alone, and its end of the terminal closes — a hang-up). */
  kill(signal?: NodeJS.Signals): void;
}

/** util-linux `script` gives a child a pseudo-terminal; elsewhere (BSD `script`) these tests are skipped. */
export const ptyMissing: string | false = spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") ? false : "needs util-linux script for a pseudo-terminal";

const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;

/** Runs the real `bin/hearth` on a pseudo-terminal (util-linux `script`), so that stdin and stdout are TTYs. */
export function runInPty(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): PtySession {
  const command = ["exec", quote(process.execPath), quote(hearthBin), ...args.map(quote)].join(" ");
  const child = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", TERM: "xterm", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    for (const watcher of watchers) watcher();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const watcher of watchers) watcher();
  });
  return {
    get output() {
      return output;
    },
    send: (keys) => child.stdin.write(keys),
    waitFor: (pattern, from = 0) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output.slice(from))) {
            watchers.delete(check);
            resolve();
          } else if (done) {
            watchers.delete(check);
            reject(new Error(`hearth exited before showing ${pattern}; the terminal showed:\n${JSON.stringify(output)}`));
          }
        };
        watchers.add(check);
        check();
      }),
    exited,
    kill: (signal) => child.kill(signal),
  };
}

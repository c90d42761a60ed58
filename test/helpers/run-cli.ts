import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repoRoot = new URL("../..", import.meta.url).pathname;
export const hearthBin = join(repoRoot, "bin/hearth");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `bin/hearth` in a child process with a clean environment (no keys, no HOME config). */
export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; onStderr?: (text: string) => void } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [hearthBin, ...args],
      {
        cwd: options.cwd ?? repoRoot,
        // TZ: times are shown in local time (labelled): UTC unless a test asks for a zone, whatever this machine's.
        // HEARTH_LMSTUDIO_URL: with no config file, the built-in default looks where nothing listens (port 1), never at a real LM Studio on 1234.
        env: { PATH: process.env.PATH, HOME: options.env?.HOME ?? "/nonexistent-home", NO_COLOR: "1", TZ: "UTC", HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1", ...options.env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === "number" ? error.code : error ? 1 : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // What the command says on stderr as it says it (a test acting on a line while the command runs); all of it is in the result too.
    const onStderr = options.onStderr;
    if (onStderr) child.stderr?.on("data", (chunk: Buffer | string) => onStderr(String(chunk)));
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = "hearth-test-"): { dir: string; cleanup: () => void; write: (name: string, text: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    // Not retried: a test waits for every process it started to exit before this, so nothing writes in there any more.
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
  };
}

export const fixture = (name: string): string => join(repoRoot, "test/fixtures/configs", name);

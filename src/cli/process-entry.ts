import { processIo } from "./io.js";
import { isClosedOutput, outputCloseKeeper } from "./output-closed.js";
import { main } from "./main.js";

/** What `bin/hearth` runs: the process's own streams, guarded, around {@link main}. */
export async function runProcess(argv: readonly string[]): Promise<void> {
  guardOutputStreams(process.stdout, process.stderr, (code) => process.exit(code));
  process.exitCode = await main(argv, processIo());
  // The command is over (the gateway said "stopped"): a handle a library left open (a channel's socket, a timer) must not
  // keep the process alive — a service manager would wait, then kill it. Only once its output is flushed (a slow reader —
  // `hearth logs | less` — takes what it is sent, however long it takes); unref'd: a process that ends by itself ends first.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  setTimeout(() => process.exit(), LINGER_AFTER_COMMAND_MS).unref();
}

/** Resolves once everything written to `stream` so far has gone (or the stream failed: nothing more will go). */
function flushed(stream: NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean }): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** How long a process whose command returned may still take to end by itself (its last writes flushed) before it is ended. */
const LINGER_AFTER_COMMAND_MS = 3_000;

/**
 * A reader that goes away (`hearth sessions list | head -1`) closes our stdout: that ends the command
 * quietly with exit 0, as for any Unix filter, whichever command was writing — unless a long-running
 * command (the gateway) took over with keepRunningWhenOutputCloses: it is told, and keeps running. A
 * closed stderr only silences further notes. Every other stdout failure is one line on stderr and exit 1, never a stack.
 */
export function guardOutputStreams(stdout: NodeJS.EventEmitter, stderr: NodeJS.WritableStream & NodeJS.EventEmitter, exit: (code: number) => void): void {
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (isClosedOutput(error.code, stdout)) {
      const keeper = outputCloseKeeper();
      if (keeper) keeper("stdout");
      else exit(0);
    } else {
      stderr.write(`hearth: cannot write the output (${error.code ?? error.message}); fix: check where stdout goes (a full disk, a closed terminal)\n`);
      exit(1);
    }
  });
  stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (isClosedOutput(error.code, stderr)) outputCloseKeeper()?.("stderr");
  });
}

/**
 * A terminal that goes away (`hearth gateway | head -2`, a closed ssh session) closes stdout or stderr.
 * A one-shot command then ends quietly (process-entry.ts); a server must not: it takes over with
 * keepRunningWhenOutputCloses, stops writing to the closed stream, and keeps its log file.
 */
export type OutputStreamName = "stdout" | "stderr";
type Keeper = (stream: OutputStreamName) => void;

let keeper: Keeper | undefined;

/** From now on a closed stdout or stderr is told to `onClosed` instead of ending the process; returns the undo. */
export function keepRunningWhenOutputCloses(onClosed: Keeper): () => void {
  keeper = onClosed;
  return () => {
    if (keeper === onClosed) keeper = undefined;
  };
}

/** The running command's keeper, if one took over (process-entry.ts asks). */
export function outputCloseKeeper(): Keeper | undefined {
  return keeper;
}

/**
 * Error codes of a stream whose reader went away; EIO only on a terminal (one that hung up, as a closed ssh
 * session's) — on a file, EIO is the disk's or the network file system's failure, which is said, not ignored.
 */
export function isClosedOutput(code: string | undefined, stream?: unknown): boolean {
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || (code === "EIO" && (stream as { isTTY?: unknown } | undefined)?.isTTY === true);
}

/**
 * A terminal or ssh session that closes sends SIGHUP to the processes it started, which ends a Node
 * process at once (no stop, no log line). A server takes it over: `onHangUp` is told instead, and the
 * process keeps running. Returns the undo.
 */
export function keepRunningOnHangUp(onHangUp: () => void): () => void {
  const listener = (): void => onHangUp();
  process.on("SIGHUP", listener);
  return () => {
    process.off("SIGHUP", listener);
  };
}

/** `stream` that writes nothing once `closed()` says its reader is gone (no error per line on a dead pipe). */
export function silentWhenClosed<S extends NodeJS.WritableStream>(stream: S, closed: () => boolean): S {
  const write = (...args: unknown[]): boolean => (closed() ? true : (stream.write as (...args: unknown[]) => boolean).apply(stream, args));
  return new Proxy(stream, {
    get(target, property) {
      if (property === "write") return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

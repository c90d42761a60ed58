import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Where `hearth gateway` writes its structured log (pino JSON lines). */
export function gatewayLogFile(stateDir: string): string {
  return join(stateDir, "logs", "gateway.log");
}

/** One pino line read back: its level by name, time, message and every other field. */
export interface LogRecord {
  level: string;
  time: Date | undefined;
  message: string;
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/** A pino line → its parts; undefined for a line that is not a JSON object (shown as written). */
export function parseLogLine(line: string): LogRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const { level, time, msg, pid: _pid, hostname: _hostname, ...fields } = value as Record<string, unknown>;
  return {
    level: typeof level === "number" ? (LEVELS[level] ?? String(level)) : typeof level === "string" ? level : "info",
    time: typeof time === "number" || typeof time === "string" ? new Date(time) : undefined,
    message: typeof msg === "string" ? msg : "",
    fields,
  };
}

const CHUNK = 64 * 1024;

function readRange(file: string, from: number, to: number): string {
  const fd = openSync(file, "r");
  try {
    return readFd(fd, from, to);
  } finally {
    closeSync(fd);
  }
}

/** The last `count` whole lines, and the offset reading continues from; undefined when the file does not exist. */
export function readLogTail(file: string, count: number): { lines: string[]; offset: number } | undefined {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return undefined;
  }
  let from = size;
  let text = "";
  // Read backwards a chunk at a time until enough lines are in hand (or the file's start).
  while (from > 0 && text.split("\n").length <= count + 1) {
    const start = Math.max(0, from - CHUNK);
    text = readRange(file, start, from) + text;
    from = start;
  }
  const end = text.lastIndexOf("\n") + 1;
  const lines = text.slice(0, end).split("\n").filter((line) => line !== "");
  return { lines: count === 0 ? [] : lines.slice(-count), offset: from + Buffer.byteLength(text.slice(0, end)) };
}

/** The file `followLog` reads: its open descriptor and which file that is (a rotation gives the path another). */
interface Followed {
  fd: number;
  ino: number;
  dev: number;
}

function openFollowed(file: string): Followed | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  const stats = fstatSync(fd);
  return { fd, ino: stats.ino, dev: stats.dev };
}

function readFd(fd: number, from: number, to: number): string {
  const buffer = Buffer.alloc(to - from);
  let read = 0;
  while (read < buffer.length) {
    const got = readSync(fd, buffer, read, buffer.length - read, from + read);
    if (got === 0) break;
    read += got;
  }
  return buffer.subarray(0, read).toString("utf8");
}

/**
 * Lines written after `offset`, as they come (checked every `pollMs`), until `signal` aborts. The
 * file is held open: when the path names another file (the log was set aside, by this gateway or
 * another on the same state dir) what was still written to the old one is read to its end first,
 * then the new one from its start. A file cut shorter (truncated) is read again from its start; one
 * not there yet is waited for.
 */
export async function* followLog(file: string, options: { offset: number; signal: AbortSignal; pollMs?: number }): AsyncGenerator<string> {
  let offset = options.offset;
  let pending = "";
  let current = openFollowed(file);
  /** What `current` holds past `offset`, as whole lines (a partial last line waits for its end). */
  const readNew = (): string[] => {
    if (!current) return [];
    const size = fstatSync(current.fd).size;
    if (size < offset) {
      offset = 0;
      pending = "";
    }
    if (size <= offset) return [];
    pending += readFd(current.fd, offset, size);
    offset = size;
    const end = pending.lastIndexOf("\n");
    if (end < 0) return [];
    const lines = pending.slice(0, end).split("\n").filter((line) => line !== "");
    pending = pending.slice(end + 1);
    return lines;
  };
  try {
    while (!options.signal.aborted) {
      current ??= openFollowed(file);
      yield* readNew();
      const named = statSync(file, { throwIfNoEntry: false });
      if (current && (!named || named.ino !== current.ino || named.dev !== current.dev)) {
        // Set aside or removed: its last lines (a writer may have added some since), then the new file from its start.
        yield* readNew();
        if (pending !== "") yield pending;
        closeSync(current.fd);
        current = openFollowed(file);
        offset = 0;
        pending = "";
        continue;
      }
      try {
        await sleep(options.pollMs ?? 250, undefined, { signal: options.signal });
      } catch {
        return;
      }
    }
  } finally {
    if (current) closeSync(current.fd);
  }
}

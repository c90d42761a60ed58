import { closeSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";

/** A config is a few kilobytes; past this it is not a config (and parsing it would take seconds and gigabytes). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The file is read in pieces this small, never into one buffer the size of the limit: glibc gives a
 * block over 128 KiB its own mapping, and when one is freed it raises the threshold above which it
 * returns freed memory to the system to twice that block's size, for the life of the process. A
 * 1 MiB buffer read at start left each of V8's worker threads holding up to 2 MiB it had freed: the
 * gateway's soak ended 4–6 MB higher.
 */
const READ_PIECE_BYTES = 64 * 1024;

/**
 * Reads a config file as UTF-8; undefined when it does not exist. Refuses what is not a regular file
 * (a device such as /dev/zero, a FIFO, a directory) before opening it, and anything over
 * MAX_CONFIG_BYTES, reading at most that many bytes whatever the file claims its size is.
 */
export function readConfigFile(file: string): string | undefined {
  const shown = escapeControlCharacters(file);
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    return failedToRead(error, shown);
  }
  if (stats.isDirectory()) throw new HearthError("config", `${shown} is a directory, not a config file`, ["fix: give the path of the config file inside it"]);
  if (!stats.isFile()) {
    throw new HearthError("config", `${shown} is not a regular file (it is ${kindOf(stats)}): hearth reads its config only from a regular file`, [
      "fix: point --config or HEARTH_CONFIG at a config file",
    ]);
  }
  if (stats.size > MAX_CONFIG_BYTES) throw tooLarge(shown, sizeOverLimit(stats.size));
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    return failedToRead(error, shown);
  }
  try {
    const pieces: Buffer[] = [];
    let length = 0;
    for (;;) {
      const piece = Buffer.alloc(Math.min(READ_PIECE_BYTES, MAX_CONFIG_BYTES + 1 - length));
      const read = readSync(fd, piece, 0, piece.length, null);
      if (read === 0) break;
      pieces.push(piece.subarray(0, read));
      length += read;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(shown, `more than ${formatBytes(MAX_CONFIG_BYTES)}`);
    }
    return Buffer.concat(pieces, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, size: string): HearthError {
  return new HearthError("config", `${file} is ${size}; a config file may be at most ${formatBytes(MAX_CONFIG_BYTES)}`, [
    "fix: check that --config or HEARTH_CONFIG names the config file (a config is a few kilobytes)",
  ]);
}

function failedToRead(error: unknown, file: string): undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return undefined;
  if (code === "EACCES") throw new HearthError("config", `cannot read ${file}: permission denied`, ["fix: make the file readable by your user"]);
  if (code === "ENOTDIR") return undefined;
  throw new HearthError("config", `cannot read ${file}: ${escapeControlCharacters((error as Error).message)}`, ["fix: check the path given by --config or HEARTH_CONFIG"]);
}

function kindOf(stats: Stats): string {
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

/** A size past the limit, said so that it reads as past it: in bytes where MB rounds it to the limit's own "1 MB". */
function sizeOverLimit(bytes: number): string {
  const rounded = formatBytes(bytes);
  return rounded === formatBytes(MAX_CONFIG_BYTES) ? `${bytes.toLocaleString("en-US")} bytes (more than ${rounded})` : rounded;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

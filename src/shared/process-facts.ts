import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** What another process of this machine is, as far as this system says: read from /proc on Linux, asked of `ps` elsewhere (macOS). */

/** The words of the pid's command line; undefined where neither /proc nor `ps` says (another user's process, no `ps`). */
export function commandWords(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((word) => word !== "");
  } catch {
    const asked = askPs(pid, "command=");
    return asked === undefined ? undefined : asked.split(/\s+/);
  }
}

/** Linux: state T (stopped) or t (traced) in /proc/<pid>/stat; undefined elsewhere. */
export function processStopped(pid: number): boolean | undefined {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  return fields[0] === "T" || fields[0] === "t";
}

/** When the process started (ms since the epoch, to about a second), or undefined where that cannot be told. */
export function processStartedAt(pid: number): number | undefined {
  const fields = statFields(pid);
  if (fields !== undefined) {
    // Field 22 of /proc/<pid>/stat (the 20th after the command's closing parenthesis): clock ticks after boot.
    const ticks = Number(fields[19]);
    const boot = bootTimeMs();
    return Number.isFinite(ticks) && boot !== undefined ? boot + (ticks / clockTicksPerSecond()) * 1000 : undefined;
  }
  // Elsewhere: how long it has run, [[dd-]hh:]mm:ss.
  const elapsed = askPs(pid, "etime=");
  const match = elapsed === undefined ? null : /^(?:(?:(\d+)-)?(\d+):)?(\d+):(\d+)$/.exec(elapsed);
  if (!match) return undefined;
  const [, days = "0", hours = "0", minutes = "0", seconds = "0"] = match;
  return Date.now() - (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
}

/**
 * What tells one process under a pid from a later one under the same pid, as the system keeps it and no
 * clock step changes (a wall-clock start time moves when the clock is stepped: NTP after a resume, a
 * board without a clock battery): Linux, the start in clock ticks after boot (field 22 of
 * /proc/<pid>/stat; compare only within one boot); elsewhere (macOS), `ps`'s start time, which the
 * kernel keeps as it was when the process started. Undefined where neither says.
 */
export function processStartMark(pid: number): string | undefined {
  const fields = statFields(pid);
  if (fields !== undefined) return fields[19] === undefined ? undefined : `ticks:${fields[19]}`;
  const asked = askPs(pid, "lstart=");
  return asked === undefined ? undefined : `lstart:${asked}`;
}

/** The fields of /proc/<pid>/stat after the command (its state first), or undefined where there is none. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

let bootMs: number | undefined;
function bootTimeMs(): number | undefined {
  if (bootMs !== undefined) return bootMs;
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    bootMs = line ? Number(line[1]) * 1000 : undefined;
  } catch {
    bootMs = undefined;
  }
  return bootMs;
}

let ticksPerSecond: number | undefined;
/** USER_HZ: 100 on every Linux this runs on; asked of getconf once where it says otherwise. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  const asked = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 2_000 });
  const said = Number(asked.stdout?.trim());
  ticksPerSecond = asked.status === 0 && Number.isInteger(said) && said > 0 ? said : 100;
  return ticksPerSecond;
}

function askPs(pid: number, format: string): string | undefined {
  const asked = spawnSync("ps", ["-o", format, "-p", String(pid)], { encoding: "utf8", timeout: 2_000 });
  const said = asked.status === 0 ? asked.stdout.trim() : "";
  return said === "" ? undefined : said;
}

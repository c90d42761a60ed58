import { readFileSync } from "node:fs";

/**
 * Whether a process with this pid runs: signal 0 reaches it (one of another user's counts: signalling it
 * is refused, not unknown), and — where /proc tells (Linux) — it is not a zombie, a process that has
 * ended and waits for its parent to collect it (a gateway killed a moment ago under a parent that has
 * not waited yet holds nothing). Not a pid (0, negative, not a whole number: a hand-edited file) is no process.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !zombie(pid);
}

/** Linux: state Z (zombie) or X (dead) in /proc/<pid>/stat — "pid (name) STATE …", the name may hold spaces and parentheses. */
function zombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.charAt(stat.lastIndexOf(")") + 2);
  return state === "Z" || state === "X";
}

import { randomUUID } from "node:crypto";
import { mkdir, readdir, rmdir, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { fileSystemFault } from "../shared/fs-fault.js";
import { processAlive } from "../shared/process-alive.js";

/**
 * A session's line across processes: every process waiting for the session's lock has a ticket, an
 * empty file `<arrival µs>-<pid>-<random>` in `<session file>.waiting/`, refreshed (its mtime) while it
 * waits. The lock goes to the oldest live ticket: an acquirer yields while another process's older
 * ticket is live (a process's own callers come in their own order: the gateway's line). A ticket is dead when its process is gone or it was not refreshed for `staleMs` (a frozen or
 * killed waiter), and is removed by whoever finds it so.
 */
export class WaitTicket {
  private refresher: NodeJS.Timeout | undefined;
  private dropped = false;

  private constructor(
    readonly dir: string,
    readonly name: string,
  ) {}

  /** Takes a place in the line of the session kept at `file`, as of `arrivedAt` (epoch ms, fractional). */
  static async take(options: { file: string; arrivedAt: number; staleMs: number }): Promise<WaitTicket> {
    const dir = waitingDir(options.file);
    const ticket = new WaitTicket(dir, ticketName(options.arrivedAt, process.pid));
    await ticket.write();
    ticket.refresher = setInterval(
      () => {
        void ticket.refresh();
      },
      Math.max(10, Math.floor(options.staleMs / 3)),
    );
    ticket.refresher.unref();
    return ticket;
  }

  /** Leaves the line (the lock was taken, or the wait given up); safe to call more than once. */
  async release(): Promise<void> {
    if (this.dropped) return;
    this.dropped = true;
    clearInterval(this.refresher);
    await unlink(`${this.dir}/${this.name}`).catch(() => undefined);
    // The last one out removes the directory; another process's new ticket keeps it (ENOTEMPTY).
    await rmdir(this.dir).catch(() => undefined);
  }

  private async write(): Promise<void> {
    const path = `${this.dir}/${this.name}`;
    // The directory may be removed by the last ticket of another process between the mkdir and the write.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await writeFile(path, "", { mode: 0o600 });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw fileSystemFault(error, { path, doing: "take a place in the session's line at" });
      }
    }
  }

  private async refresh(): Promise<void> {
    if (this.dropped) return;
    const now = new Date();
    // Taken for dead by another process (say it was stopped for a while): it takes its place again.
    await utimes(`${this.dir}/${this.name}`, now, now).catch(() => (this.dropped ? undefined : this.write().catch(() => undefined)));
  }
}

/** Whether another process's live ticket older than `arrivedAt` (or than `mine`) is in the line of the session kept at `file`; dead ones found are removed. */
export async function olderTicketWaits(options: { file: string; arrivedAt: number; mine: WaitTicket | undefined; staleMs: number }): Promise<boolean> {
  const dir = waitingDir(options.file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw fileSystemFault(error, { path: dir, doing: "read the session's line in" });
  }
  const me = options.mine?.name ?? ticketName(options.arrivedAt, process.pid);
  let cleared = 0;
  for (const name of names) {
    const parsed = parseTicket(name);
    // This process's own callers come to the lock in their order already (the gateway's line): only other processes' tickets are waited for.
    if (!parsed || parsed.pid === process.pid || name > me) continue;
    if (await isLive(`${dir}/${name}`, { pid: parsed.pid, staleMs: options.staleMs })) return true;
    await unlink(`${dir}/${name}`).catch(() => undefined);
    cleared += 1;
  }
  // Only dead tickets were there: the line goes with them (a ticket being written meanwhile makes it again).
  if (cleared > 0 && cleared === names.length) await rmdir(dir).catch(() => undefined);
  return false;
}

function waitingDir(file: string): string {
  return `${file}.waiting`;
}

/** Names sort as their arrival: microseconds since the epoch, fixed width, then the pid and a random tie-break. */
function ticketName(arrivedAt: number, pid: number): string {
  return `${String(Math.round(arrivedAt * 1000)).padStart(17, "0")}-${pid}-${randomUUID().slice(0, 8)}`;
}

function parseTicket(name: string): { pid: number } | undefined {
  const match = /^\d{17}-(\d+)-[0-9a-f]{8}$/.exec(name);
  return match?.[1] ? { pid: Number(match[1]) } : undefined;
}

async function isLive(path: string, ticket: { pid: number; staleMs: number }): Promise<boolean> {
  if (!processAlive(ticket.pid)) return false;
  try {
    return Date.now() - (await stat(path)).mtimeMs < ticket.staleMs;
  } catch {
    return false;
  }
}


/** Now as epoch milliseconds with sub-millisecond precision (arrival times compared across processes). */
export function arrivalNow(): number {
  return performance.timeOrigin + performance.now();
}

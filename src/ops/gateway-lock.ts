import { existsSync, rmSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { lock as acquire } from "proper-lockfile";
import { DRAIN_MS, workWords } from "../gateway/stop-counts.js";
import { HearthError } from "../shared/errors.js";
import { fileSystemFault } from "../shared/fs-fault.js";
import { processAlive } from "../shared/process-alive.js";
import { commandWords, processStartedAt, processStopped } from "../shared/process-facts.js";
import { ensureStateDirectory, readStateFile, replaceStateFile } from "../shared/state-file.js";
import { stoppingRecords } from "./gateway-listening.js";

/** The one gateway of a state dir, held for its life; `listening` records its address for a refused second one to name. */
export interface GatewayLock {
  listening(url: string): void;
  release(): Promise<void>;
}

/** Who holds a state dir's gateway lock, as it wrote down: its pid, and its address once it listens. */
interface LockOwner {
  pid: number;
  url?: string | undefined;
}

/** Refreshed every 5 s while held; not refreshed for 10 s, it was left by a process that is gone. */
const STALE_MS = 10_000;

/** How long a start may wait for another start on the same state dir (its lock is stale after 5 s). */
const START_WAIT = { retries: 40, minTimeout: 25, maxTimeout: 250, factor: 1.5 };

const lockPath = (stateDir: string): string => join(stateDir, "gateway.lock");
const startLockPath = (stateDir: string): string => join(stateDir, "gateway.start.lock");
const ownerPath = (stateDir: string): string => join(stateDir, "gateway.owner.json");

/**
 * Takes the state dir's gateway lock — `gateway.lock`, a directory made with mkdir by proper-lockfile (as
 * session-lock.ts does for a session), whose mtime it refreshes while held — or refuses to start, naming
 * the gateway that holds it (pid, address) and how to stop it: two gateways of one state dir would each run
 * health monitors, take in each other's journaled messages and answer in the same sessions. One-shot
 * commands (`agent`, `chat`, `sessions`) take no such lock and run beside it. A lock whose holder is gone
 * does not block the next start: its owner's pid no longer runs (a `kill -9`: taken over at once), or it
 * was not refreshed for 10 s and its pid runs another program now (given to another process since); a
 * gateway stopped with Ctrl+Z or `kill -STOP` keeps it, refreshed or not. Starts on one state dir take
 * turns (`gateway.start.lock`, held from the first look at the lock until the owner file names the new
 * holder): two gateways started together after a kill -9 would otherwise each remove the lock the other
 * had just taken over and both serve.
 */
export async function lockGateway(options: { stateDir: string; command: string; onLost: (message: string) => void; onWait?: (message: string) => void; platform?: NodeJS.Platform | undefined }): Promise<GatewayLock> {
  const { stateDir } = options;
  ensureStateDirectory({ path: stateDir, doing: "create the state directory" });
  await untilStopped(options);
  const owner: LockOwner = { pid: process.pid };
  const write = (): void => replaceStateFile({ path: ownerPath(stateDir), doing: "record which gateway holds the state dir in" }, `${JSON.stringify(owner)}\n`);
  const release = await oneStartAtATime(options, async () => {
    // A gateway that runs but was stopped (Ctrl+Z, kill -STOP) cannot refresh its lock: it is not taken for gone.
    const running = runningHolder(stateDir);
    if (running) throw heldBy(options, running);
    const taken = (await tryLock(options)) ?? (await takeOverFromTheGone(options));
    try {
      write();
    } catch (error) {
      // A start refused here (a full disk) leaves the state dir as it found it: the next start does not wait for a stale lock.
      await taken().catch(() => undefined);
      throw error;
    }
    return taken;
  });
  let released = false;
  return {
    listening: (url) => {
      owner.url = url;
      write();
    },
    release: async () => {
      if (released) return;
      released = true;
      try {
        unlinkSync(ownerPath(stateDir));
      } catch {
        // Gone already: nothing to remove.
      }
      await release().catch(() => undefined);
    },
  };
}

/** A stopping gateway ends within DRAIN_MS of its signal, then closes (saves, lets go of its lock): a start waits this much longer. */
const STOP_SLACK_MS = 15_000;
const STOP_POLL_MS = 200;

/**
 * A restart right after a stop (SIGTERM, `systemctl restart`): the gateway that holds the lock is stopping —
 * it listens no more and finishes what is under way (up to DRAIN_MS) — so this start waits for it to let go
 * instead of being refused, saying so once (`onWait`). A holder that is not stopping, or one still holding
 * the lock past its drain and the slack, is left to the usual refusal.
 */
async function untilStopped(options: { stateDir: string; onWait?: ((message: string) => void) | undefined }): Promise<void> {
  /** The stopping holder once seen: waited for until its process ends or its lock is gone (it forgets its record and owner file a moment before it lets go of the lock). */
  let waited: { pid: number; until: number } | undefined;
  for (;;) {
    if (waited) {
      if (!processAlive(waited.pid) || !existsSync(lockPath(options.stateDir)) || Date.now() > waited.until) return;
    } else {
      const owner = readOwner(options.stateDir);
      const stopping = owner && owner.pid !== process.pid && processAlive(owner.pid) ? stoppingRecords(options.stateDir).find((record) => record.pid === owner.pid) : undefined;
      if (!stopping || Date.now() > stopping.stopping.since + DRAIN_MS + STOP_SLACK_MS) return;
      waited = { pid: stopping.pid, until: stopping.stopping.since + DRAIN_MS + STOP_SLACK_MS };
      const finishing = stopping.stopping.turns + stopping.stopping.proxied > 0 ? `, finishing ${workWords(stopping.stopping)}` : "";
      options.onWait?.(`the gateway that was at ${stopping.url}/ (pid ${stopping.pid}) is stopping${finishing}: this one starts once it has stopped (up to ${DRAIN_MS / 1000} s)`);
    }
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_MS));
  }
}

/** Runs `take` while no other gateway start on the state dir is looking at or taking its lock. */
async function oneStartAtATime<T>(options: { stateDir: string; command: string }, take: () => Promise<T>): Promise<T> {
  const path = startLockPath(options.stateDir);
  let release: () => Promise<void>;
  try {
    release = await acquire(join(options.stateDir, "gateway-start"), { realpath: false, lockfilePath: path, stale: 5_000, retries: START_WAIT });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw fileSystemFault(error, { path, doing: "take turns starting a gateway on the state dir at" });
    throw new HearthError("runtime", `another hearth gateway has been starting on this state dir (${options.stateDir}) for several seconds; a second one would answer in the same sessions beside it`, [
      `fix: wait for it and use it (\`${options.command} gateway status\` shows where it listens), or stop it, then start this one; a gateway of its own needs another state dir (HEARTH_STATE_DIR)`,
    ]);
  }
  try {
    return await take();
  } finally {
    await release().catch(() => undefined);
  }
}

/** The release of the lock if it is free now (or stale), undefined when a live holder has it. */
async function tryLock(options: { stateDir: string; onLost: (message: string) => void }): Promise<(() => Promise<void>) | undefined> {
  const path = lockPath(options.stateDir);
  try {
    return await acquire(join(options.stateDir, "gateway"), {
      realpath: false,
      lockfilePath: path,
      stale: STALE_MS,
      retries: 0,
      onCompromised: (error: Error) => options.onLost(`the lock on the state dir (${path}) was lost (${error.message}): another gateway may start on it`),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw fileSystemFault(error, { path, doing: "lock the state dir for the gateway at" });
    return undefined;
  }
}

/** The lock is held: taken over when its owner's process is gone (killed), else the refusal that names it. */
async function takeOverFromTheGone(options: { stateDir: string; command: string; onLost: (message: string) => void; platform?: NodeJS.Platform | undefined }): Promise<() => Promise<void>> {
  const owner = readOwner(options.stateDir);
  if (owner !== undefined && (owner.pid === process.pid || !processAlive(owner.pid))) {
    rmSync(lockPath(options.stateDir), { recursive: true, force: true });
    const taken = await tryLock(options);
    if (taken) return taken;
  }
  throw heldBy(options, readOwner(options.stateDir) ?? owner);
}

/** The refusal of a second gateway on the state dir, naming the one that holds it and how to stop it. */
function heldBy(options: { stateDir: string; command: string; platform?: NodeJS.Platform | undefined }, holder: LockOwner | undefined): HearthError {
  const stopped = holder !== undefined && processStopped(holder.pid) === true;
  const who = holder ? `pid ${holder.pid}${holder.url ? `, at ${holder.url}/` : ", still starting"}${stopped ? " (stopped: its process is suspended)" : ""}` : "its pid not written yet: it is starting";
  return new HearthError("runtime", `another hearth gateway already runs on this state dir (${options.stateDir}): ${who}; a second one would answer in the same sessions beside it`, [
    ...(stopped ? [`it is stopped (Ctrl+Z, kill -STOP): \`kill -CONT ${holder.pid}\` resumes it (\`fg\` in its terminal); a stopped process ends only once resumed`] : []),
    `fix: use the one that runs, or stop it first — Ctrl+C where it runs${holder ? `, or \`kill ${holder.pid}\`` : ""} (the installed service: ${serviceStop(options.platform ?? process.platform)}, until \`${options.command} gateway restart\` or the next login starts it again) — then start this one`,
    `\`${options.command} gateway status\` shows where it listens; a gateway of its own needs another state dir (HEARTH_STATE_DIR)`,
  ]);
}

/**
 * The command that stops the installed service for now, as its manager has it (the unit and label
 * `gateway install` writes: cli/gateway/service.ts); never `uninstall`, which removes it for good.
 */
function serviceStop(platform: NodeJS.Platform): string {
  return platform === "darwin" ? "`launchctl bootout gui/$(id -u)/dev.hearth.gateway` stops it" : "`systemctl --user stop hearth-gateway.service` stops it";
}

/**
 * The owner of a held lock whose process still runs a gateway — stopped or not: a stopped one does not
 * refresh the lock, and it serves again once resumed. Undefined when the lock is free, its owner is gone,
 * or its pid runs another program now (or what it runs cannot be told: the lock's age decides, as before).
 */
function runningHolder(stateDir: string): LockOwner | undefined {
  const refreshed = statSync(lockPath(stateDir), { throwIfNoEntry: false })?.mtimeMs;
  if (refreshed === undefined) return undefined;
  const owner = readOwner(stateDir);
  if (owner === undefined || owner.pid === process.pid || !processAlive(owner.pid) || runsAGateway(owner.pid) !== true) return undefined;
  // A process that started after the lock was last refreshed is not its owner: the pid was given to it since (another gateway's, say).
  const started = processStartedAt(owner.pid);
  if (started !== undefined && started > refreshed + START_TIME_SLACK_MS) return undefined;
  return owner;
}

/** A start time is known to about a second (/proc's boot time is in whole seconds). */
const START_TIME_SLACK_MS = 2_000;

/** Whether the pid's command line is a gateway's (`… gateway …`); undefined where the system does not say. */
export function runsAGateway(pid: number): boolean | undefined {
  return commandWords(pid)?.includes("gateway");
}

/** Who holds the state dir's gateway lock, as its owner file says (pid, and its address once it listens); undefined when none is written. */
export function gatewayOwnerRecord(stateDir: string): Readonly<LockOwner> | undefined {
  return readOwner(stateDir);
}

function readOwner(stateDir: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readStateFile({ path: ownerPath(stateDir), doing: "read which gateway holds the state dir from" }) ?? "null") as Partial<LockOwner> | null;
    if (!value || !Number.isInteger(value.pid)) return undefined;
    return { pid: value.pid as number, url: typeof value.url === "string" ? value.url : undefined };
  } catch {
    return undefined;
  }
}

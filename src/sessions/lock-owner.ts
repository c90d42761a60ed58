import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { processAlive } from "../shared/process-alive.js";
import { processStartedAt } from "../shared/process-facts.js";

/**
 * Who holds a session's lock, as it wrote down inside the lock (`<key>.jsonl.lock/owner.json`): enough for
 * another process of the same machine to tell that the holder is gone — killed, crashed — and take the
 * lock at once instead of waiting for it to go stale. `token` tells this holding apart from any other
 * (a lock taken over is checked to be still the one found gone).
 */
export interface LockOwner {
  pid: number;
  host: string;
  /** The machine's boot (Linux: /proc/sys/kernel/random/boot_id); absent where the system does not say. */
  boot?: string | undefined;
  /** The pid namespace the pid is of (Linux: /proc/self/ns/pid, "pid:[4026531836]"): two containers of one machine number their processes apart. */
  pidNamespace?: string | undefined;
  /** When the holder's process started (ms since the epoch, to about a second); absent where it cannot be told. */
  startedAt?: number | undefined;
  token: string;
}

/** What a process can tell of the processes of its machine (injected in tests; `machineFacts()` asks the system). */
export interface MachineFacts {
  host: string;
  boot: string | undefined;
  pidNamespace: string | undefined;
  alive(pid: number): boolean;
  startedAt(pid: number): number | undefined;
}

/** A process's start time is known to about a second (/proc's boot time is in whole seconds, `ps` says whole seconds). */
const START_TIME_SLACK_MS = 2_000;

/** This machine as its system says, asked once per call. */
export function machineFacts(): MachineFacts {
  return { host: hostname(), boot: bootId(), pidNamespace: pidNamespace(), alive: processAlive, startedAt: processStartedAt };
}

/** The record a new holding of a lock writes: this process, on this machine. */
export function ownerRecord(facts: MachineFacts, pid: number = process.pid): LockOwner {
  return { pid, host: facts.host, ...(facts.boot ? { boot: facts.boot } : {}), ...(facts.pidNamespace ? { pidNamespace: facts.pidNamespace } : {}), ...optionalStart(facts.startedAt(pid)), token: randomUUID() };
}

/**
 * Whether the holder the record names is certainly gone, so that its lock may be taken at once: only
 * for a holder of this machine (another's is left to the lock's staleness) whose pids are numbered as
 * this process's are (the same pid namespace: not another container's), and then when the machine booted since, its pid runs no process, or the process under its pid started later than the holder's
 * did (the pid was given to another process since). Where the start time cannot be told, a pid that
 * runs counts as the holder.
 */
export function ownerGone(owner: LockOwner, facts: MachineFacts): boolean {
  if (owner.host !== facts.host) return false;
  if (owner.boot !== undefined && facts.boot !== undefined && owner.boot !== facts.boot) return true;
  // Another container's pid means nothing here (unless both say none: the same system).
  if (owner.pidNamespace !== facts.pidNamespace) return false;
  if (!facts.alive(owner.pid)) return true;
  if (owner.startedAt === undefined) return false;
  const started = facts.startedAt(owner.pid);
  return started !== undefined && Math.abs(started - owner.startedAt) > START_TIME_SLACK_MS;
}

/** The owner record's text as written, parsed; undefined for anything that is not one (a hand-edited, torn or foreign file). */
export function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { pid, host, boot, pidNamespace, startedAt, token } = value as Record<string, unknown>;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== "string" || typeof token !== "string") return undefined;
  return { pid: pid as number, host, ...(typeof boot === "string" ? { boot } : {}), ...(typeof pidNamespace === "string" ? { pidNamespace } : {}), ...(typeof startedAt === "number" && Number.isFinite(startedAt) ? { startedAt } : {}), token };
}

function optionalStart(startedAt: number | undefined): { startedAt?: number } {
  return startedAt === undefined ? {} : { startedAt };
}

function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

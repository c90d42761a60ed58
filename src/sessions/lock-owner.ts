import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { processAlive } from "../shared/process-alive.js";
import { processStartMark } from "../shared/process-facts.js";

/**
 * Who holds a session's lock, as it wrote down inside the lock (`<key>.jsonl.lock/owner.json`): enough for
 * another process of the same machine to tell that the holder is gone — killed, crashed — and take the
 * lock at once instead of waiting for it to go stale. `token` tells this holding apart from any other
 * (a lock taken over is checked to be still the one found gone).
 */
export interface LockOwner {
  pid: number;
  host: string;
  /** The machine's own id (Linux: /etc/machine-id), so that two machines of one host name sharing a state dir are told apart; absent where the system has none. */
  machine?: string | undefined;
  /** The machine's boot (Linux: /proc/sys/kernel/random/boot_id); absent where the system does not say. */
  boot?: string | undefined;
  /** The pid namespace the pid is of (Linux: /proc/self/ns/pid, "pid:[4026531836]"): two containers of one machine number their processes apart. */
  pidNamespace?: string | undefined;
  /** What tells the holder's process from a later one under its pid (processStartMark: no clock step moves it); absent where it cannot be told. */
  started?: string | undefined;
  token: string;
}

/** What a process can tell of the processes of its machine (injected in tests; `machineFacts()` asks the system). */
export interface MachineFacts {
  host: string;
  machine: string | undefined;
  boot: string | undefined;
  pidNamespace: string | undefined;
  alive(pid: number): boolean;
  startMark(pid: number): string | undefined;
}

/** This machine as its system says, asked once per call. */
export function machineFacts(): MachineFacts {
  return { host: hostname(), machine: machineId(), boot: bootId(), pidNamespace: pidNamespace(), alive: processAlive, startMark: processStartMark };
}

/** The record a new holding of a lock writes: this process, on this machine. */
export function ownerRecord(facts: MachineFacts, pid: number = process.pid): LockOwner {
  const started = facts.startMark(pid);
  return { pid, host: facts.host, ...(facts.machine ? { machine: facts.machine } : {}), ...(facts.boot ? { boot: facts.boot } : {}), ...(facts.pidNamespace ? { pidNamespace: facts.pidNamespace } : {}), ...(started ? { started } : {}), token: randomUUID() };
}

/**
 * Whether the holder the record names is certainly gone, so that its lock may be taken at once: only
 * for a holder of this machine — the same host name and, where the system has one, the same machine id
 * (host names repeat: `raspberrypi`, `ubuntu`) — whose pids are numbered as this process's are (the same
 * pid namespace: not another container's); then when the machine booted since (told only where both
 * records carry the machine id: a boot id alone cannot tell a reboot from another machine), its pid
 * runs no process, or the process under its pid is not the holder's (its start mark differs: the pid
 * was given to another process since). Where the start cannot be told, a pid that runs counts as the holder.
 */
export function ownerGone(owner: LockOwner, facts: MachineFacts): boolean {
  if (owner.host !== facts.host || owner.machine !== facts.machine) return false;
  if (owner.boot !== facts.boot) return owner.machine !== undefined && owner.boot !== undefined && facts.boot !== undefined;
  // Another container's pid means nothing here (unless both say none: the same system).
  if (owner.pidNamespace !== facts.pidNamespace) return false;
  if (!facts.alive(owner.pid)) return true;
  if (owner.started === undefined) return false;
  const started = facts.startMark(owner.pid);
  return started !== undefined && started !== owner.started;
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
  const { pid, host, machine, boot, pidNamespace, started, token } = value as Record<string, unknown>;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof host !== "string" || typeof token !== "string") return undefined;
  const word = (field: unknown): string | undefined => (typeof field === "string" && field !== "" ? field : undefined);
  const known = { machine: word(machine), boot: word(boot), pidNamespace: word(pidNamespace), started: word(started) };
  return { pid: pid as number, host, ...Object.fromEntries(Object.entries(known).filter(([, field]) => field !== undefined)), token };
}

function machineId(): string | undefined {
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = readFileSync(path, "utf8").trim();
      if (id !== "") return id;
    } catch {
      // The next place, or none: the host name alone then.
    }
  }
  return undefined;
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

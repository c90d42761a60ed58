import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { StopCounts } from "../gateway/stop-counts.js";
import { gatewayListeningDir } from "../shared/gateway-listening-dir.js";
import { processAlive } from "../shared/process-alive.js";
import { ensureStateDirectory, replaceStateFile } from "../shared/state-file.js";

/** Where a running gateway of a state dir listens, as it said when it started (its `--port`/`--bind` may not be the config's). */
export interface ListeningRecord {
  url: string;
  pid: number;
  /** ms since the epoch. */
  startedAt: number;
  /** Set once it began to stop (it listens no more): since when (ms since the epoch), and how many turns and proxied answers it still finishes. */
  stopping?: ({ since: number } & StopCounts) | undefined;
  /**
   * The `--port`/`--bind` on its command line (`["--port 18915"]`); empty when it listens where the config
   * said when it started. Absent in a record an older gateway wrote.
   */
  flags?: string[];
}

/**
 * Why a gateway found by its record runs at another address than the one it was looked for at (`expected`,
 * where `says` — the config or the installed service — has it): its own `--port`/`--bind`, or, started on
 * the config's address, a config whose address was edited since (a running gateway keeps its address until
 * it is restarted). Worded to follow "started with another address than <expected>/, where <says> says it listens".
 */
export function whyElsewhere(found: { url: string; flags?: string[] | undefined }, looked: { says: "the config" | "the service"; missingFile?: string | undefined }): string {
  if (found.flags === undefined) return "";
  if (found.flags.length > 0) return ` (${found.flags.join(" ")} on its command line)`;
  if (looked.says === "the config" && looked.missingFile !== undefined) {
    return ` (it was started with no --port or --bind, at the address its config had then: there is no config file at ${looked.missingFile} now, and a running gateway keeps its address until it is restarted)`;
  }
  return looked.says === "the config"
    ? ` (it was started with no --port or --bind, at the address the config had then: the config's address changed since it started, and a running gateway keeps its address until it is restarted)`
    : ` (it was started apart from the service, with no --port or --bind, at the address the config had then)`;
}

/** One record per running gateway: two gateways of one state dir (other ports) each keep their own. */
const dirOf = gatewayListeningDir;
const fileOf = (stateDir: string, pid: number): string => join(dirOf(stateDir), `${pid}.json`);

/**
 * Says where this gateway listens, in its state dir: `gateway status` asks there when nothing of this
 * state dir answers where the config (or the service's command line) says — a gateway run in a
 * terminal with `--port` is still found, not reported as not running (which would start a second).
 */
export function recordListening(stateDir: string, record: ListeningRecord): void {
  ensureStateDirectory({ path: dirOf(stateDir), doing: "record where the gateway listens in" });
  replaceStateFile({ path: fileOf(stateDir, record.pid), doing: "record where the gateway listens in" }, `${JSON.stringify(record)}\n`);
}

/** Removes this process's own record at a clean stop; the records of other gateways of the state dir stay. */
export function forgetListening(stateDir: string, pid: number): void {
  removeRecord(stateDir, pid);
}

/**
 * The records of the gateways of this state dir whose processes still run, the latest started first.
 * A record a killed gateway left (its process gone) is ignored and removed. A live pid is no proof (the
 * system may have given a dead gateway's pid to another process): only answeringRecord, which asks
 * each one's /health, tells a running gateway — so this stays inside this file.
 */
function runningRecords(stateDir: string): ListeningRecord[] {
  let names: string[];
  try {
    names = readdirSync(dirOf(stateDir));
  } catch {
    return [];
  }
  const records: ListeningRecord[] = [];
  for (const name of names) {
    const pid = /^(\d+)\.json$/.exec(name)?.[1];
    if (pid === undefined) continue;
    const record = readRecord(join(dirOf(stateDir), name));
    if (record?.pid !== Number(pid)) continue;
    if (processAlive(record.pid)) records.push(record);
    else removeRecord(stateDir, record.pid);
  }
  return records.sort((a, b) => b.startedAt - a.startedAt);
}

/**
 * The first running gateway of this state dir (the latest started first) that answers as this state dir's,
 * other than at `except` (where it was looked for already): `ours` asks its /health and gives the answer
 * when it is this state dir's gateway (its `instance`). Undefined when none is — a record whose pid lives
 * on in another process, or whose address another server holds now, names no gateway.
 */
export async function answeringRecord<T>(stateDir: string, look: { except?: string | undefined; ours: (url: string) => Promise<T | undefined> }): Promise<{ url: string; pid: number; flags?: string[]; answer: T } | undefined> {
  for (const record of runningRecords(stateDir)) {
    if (record.url === look.except) continue;
    const answer = await look.ours(record.url);
    if (answer !== undefined) return { url: record.url, pid: record.pid, ...(record.flags ? { flags: record.flags } : {}), answer };
  }
  return undefined;
}

/** Every running gateway of this state dir that answers as this state dir's (`ours`, as answeringRecord asks), the latest started first. */
export async function answeringRecords<T>(stateDir: string, ours: (url: string) => Promise<T | undefined>): Promise<{ url: string; pid: number; flags?: string[]; answer: T }[]> {
  const found: { url: string; pid: number; flags?: string[]; answer: T }[] = [];
  for (const record of runningRecords(stateDir)) {
    if (record.stopping) continue;
    const answer = await ours(record.url);
    if (answer !== undefined) found.push({ url: record.url, pid: record.pid, ...(record.flags ? { flags: record.flags } : {}), answer });
  }
  return found;
}

/**
 * The gateways of this state dir that are stopping (they listen no more, and finish their turns), the
 * latest started first: `gateway status` says so rather than "not running" while a turn finishes.
 */
export function stoppingRecords(stateDir: string): (ListeningRecord & { stopping: { since: number } & StopCounts })[] {
  return runningRecords(stateDir).flatMap((record) => (record.stopping ? [{ ...record, stopping: record.stopping }] : []));
}

function removeRecord(stateDir: string, pid: number): void {
  try {
    unlinkSync(fileOf(stateDir, pid));
  } catch {
    // Gone already (its own gateway or another reader removed it): nothing to forget.
  }
}

function readRecord(path: string): ListeningRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<ListeningRecord>;
    if (typeof value.url !== "string" || !Number.isInteger(value.pid) || typeof value.startedAt !== "number") return undefined;
    const stopping = value.stopping && typeof value.stopping.since === "number" && typeof value.stopping.turns === "number" ? { since: value.stopping.since, turns: value.stopping.turns, proxied: typeof value.stopping.proxied === "number" ? value.stopping.proxied : 0 } : undefined;
    const flags = Array.isArray(value.flags) && value.flags.every((flag) => typeof flag === "string") ? value.flags : undefined;
    return { url: value.url, pid: value.pid as number, startedAt: value.startedAt, ...(stopping ? { stopping } : {}), ...(flags ? { flags } : {}) };
  } catch {
    return undefined;
  }
}

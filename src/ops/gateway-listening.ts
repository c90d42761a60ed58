import { readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { replaceStateFile } from "../shared/state-file.js";

/** Where a running gateway of a state dir listens, as it said when it started (its `--port`/`--bind` may not be the config's). */
export interface ListeningRecord {
  url: string;
  pid: number;
  /** ms since the epoch. */
  startedAt: number;
}

const fileOf = (stateDir: string): string => join(stateDir, "gateway.listening.json");

/**
 * Says where this gateway listens, in its state dir: `gateway status` asks there when nothing of this
 * state dir answers where the config (or the service's command line) says — a gateway run in a
 * terminal with `--port` is still found, not reported as not running (which would start a second).
 */
export function recordListening(stateDir: string, record: ListeningRecord): void {
  replaceStateFile({ path: fileOf(stateDir), doing: "record where the gateway listens in" }, `${JSON.stringify(record)}\n`);
}

/** Removes the record at a clean stop, when it is still this process's (another gateway may have started since). */
export function forgetListening(stateDir: string, pid: number): void {
  if (readRecord(stateDir)?.pid !== pid) return;
  try {
    unlinkSync(fileOf(stateDir));
  } catch {
    // Gone already: nothing to forget.
  }
}

/** The record of a gateway of this state dir whose process still runs; undefined when none is (a record a killed gateway left is ignored). */
export function runningRecord(stateDir: string): ListeningRecord | undefined {
  const record = readRecord(stateDir);
  if (!record) return undefined;
  try {
    process.kill(record.pid, 0);
    return record;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? record : undefined;
  }
}

function readRecord(stateDir: string): ListeningRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(fileOf(stateDir), "utf8")) as Partial<ListeningRecord>;
    if (typeof value.url !== "string" || !Number.isInteger(value.pid) || typeof value.startedAt !== "number") return undefined;
    return { url: value.url, pid: value.pid as number, startedAt: value.startedAt };
  } catch {
    return undefined;
  }
}

import { statSync } from "node:fs";
import { join } from "node:path";
import { processAlive } from "../shared/process-alive.js";
import { processStopped } from "../shared/process-facts.js";
import { gatewayOwnerRecord, runsAGateway } from "./gateway-lock.js";

/** A gateway whose process holds the state dir but did not answer /health in time. */
export interface UnresponsiveGateway {
  pid: number;
  /** Where it recorded it listens, else where it was asked. */
  url: string;
  /** It has not recorded an address yet, a short while after it took the state dir: still starting (after 30 s: hung while starting, false). */
  starting: boolean;
  /** Linux says whether the process is stopped (SIGSTOP, Ctrl+Z); undefined where that cannot be read. */
  stopped: boolean | undefined;
  /** `pid N holds the state dir but does not answer at <url>/health within N s (stopped or hung?)`. */
  line: string;
  /** What to do: resume it, or end it and start another. */
  fix: string;
}

/**
 * When nothing answered /health: whether the state dir's gateway owner (`gateway.owner.json`) still
 * runs — then it is not "not running" (a second gateway is refused while it holds the lock) but
 * stopped or hung: a suspended laptop's process, Ctrl+Z, `kill -STOP`, or one that hangs. A pid
 * that runs another program now (Linux: its command line names no gateway) is not taken for it.
 */
export function unresponsiveGateway(stateDir: string, asked: { url: string; waitedMs: number }): UnresponsiveGateway | undefined {
  const owner = gatewayOwnerRecord(stateDir);
  if (owner === undefined || owner.pid === process.pid || !processAlive(owner.pid) || runsAGateway(owner.pid) === false) return undefined;
  const url = (owner.url ?? asked.url).replace(/\/+$/, "");
  const stopped = processStopped(owner.pid);
  const seconds = Math.max(1, Math.round(asked.waitedMs / 1000));
  const startingFor = owner.url === undefined && stopped !== true ? secondsSinceOwnerWritten(stateDir) : undefined;
  if (startingFor !== undefined) {
    const slow = startingFor > STARTING_FOR_LONG_S;
    return {
      pid: owner.pid,
      url,
      stopped,
      starting: !slow,
      line: slow ? `pid ${owner.pid} holds the state dir but has not begun to listen ${startingFor} s after it started (hung while starting?)` : `pid ${owner.pid} holds the state dir and is starting: it has not begun to listen yet (started ${startingFor} s ago)`,
      fix: slow
        ? `see its output or log (\`hearth logs\`); end it with \`kill ${owner.pid}\` (\`kill -9 ${owner.pid}\` if it does not end), then start the gateway again`
        : "wait a few seconds and ask again: it answers once it listens",
    };
  }
  const why = stopped === true ? "stopped: its process is suspended" : stopped === false ? "hung? its process runs" : "stopped or hung?";
  const resume = `\`kill -CONT ${owner.pid}\` resumes a stopped one`;
  const end = `a hung one: \`kill ${owner.pid}\` (\`kill -9 ${owner.pid}\` if it does not end), then start the gateway again`;
  return {
    pid: owner.pid,
    url,
    stopped,
    starting: false,
    line: `pid ${owner.pid} holds the state dir but does not answer at ${url}/health within ${seconds} s (${why})`,
    fix: stopped === false ? `${end}; ${resume}` : `${resume} (a suspended laptop's wakes by itself); ${end}`,
  };
}

/** A gateway that has not recorded its address this long after it took the state dir is said to hang while starting. */
const STARTING_FOR_LONG_S = 30;

/** Seconds since the owner file was written (as the gateway took the state dir), or undefined where it cannot be read. */
function secondsSinceOwnerWritten(stateDir: string): number | undefined {
  try {
    return Math.max(0, Math.round((Date.now() - statSync(join(stateDir, "gateway.owner.json")).mtimeMs) / 1000));
  } catch {
    return undefined;
  }
}

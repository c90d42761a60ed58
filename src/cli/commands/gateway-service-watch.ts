import { join } from "node:path";
import { stateDir } from "../../config/paths.js";
import { stateInstance } from "../../config/state-instance.js";
import { anotherInstance, healthOwnership } from "../../ops/gateway-health.js";
import { readLogTail } from "../../ops/gateway-log.js";
import { SYSTEMD_UNIT, type ServiceHost } from "../gateway/service.js";
import { gatewayOwner, healthAt, watchStart, type GatewayOwner, type HealthSeen, type StartOutcome } from "../gateway/service-checks.js";
import type { CliIo } from "../io.js";
import { prettyLogLine } from "./logs.js";

/** This command's state dir and its stateInstance, to tell its gateway from another hearth's. */
export interface ThisState {
  dir: string;
  instance: string;
}

export function thisState(io: CliIo): ThisState {
  const dir = stateDir({ env: io.env, cwd: io.cwd });
  return { dir, instance: stateInstance(dir) };
}

/** How a service just (re)started came up, and what answered at its address meanwhile. */
export interface ServiceWatch {
  outcome: StartOutcome;
  /** What answered `/health` at the last look. */
  seen: HealthSeen;
  /** Whose process listened at the last look that found this state dir's gateway. */
  owner: GatewayOwner;
}

/**
 * Watches the service `host` runs after install or restart until this state dir's gateway answers
 * `/health` at `url` from the process its manager runs — after a (re)start at `restartedAt`, only one
 * that started since (the old service, or a gateway in a terminal, is not it) — or its manager says
 * it exited (up to 15 s). Port 0 (a port chosen at start) cannot be asked: "silent".
 */
export async function watchService(watch: { host: ServiceHost; manager: "systemd" | "launchd"; url: string; port: number; state: ThisState; restartedAt: number | undefined }): Promise<ServiceWatch> {
  const { host, manager, url, port } = watch;
  let seen: HealthSeen = { kind: "none" };
  let owner: GatewayOwner = { kind: "unknown" };
  const answers = async (): Promise<boolean> => {
    seen = await healthAt(url, 1_000);
    if (seen.kind !== "hearth") return false;
    // Another state dir's gateway is never this service.
    if (healthOwnership(seen.health, watch.state.instance) === "another") return false;
    // Restarted now: only a gateway that started since is the service's.
    if (watch.restartedAt !== undefined && (seen.health.startedAt ?? 0) < watch.restartedAt) return false;
    // The process listening must be the one the manager runs: a gateway in a terminal may hold the port.
    owner = await gatewayOwner({ manager, uid: host.uid, run: host.run, port });
    return owner.kind !== "other";
  };
  const outcome = port === 0 ? ({ state: "silent" } as const) : await watchStart({ manager, uid: host.uid, run: host.run, answers, pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), looks: 60 });
  return { outcome, seen, owner };
}

/** What answered at the service's address that is not the service just started, in words; undefined when nothing did. */
export function otherAnswer(seen: HealthSeen, about: { url: string; owner: GatewayOwner; state: ThisState; before: string }): string | undefined {
  const { url, owner } = about;
  if (seen.kind === "other") return `another server than hearth's gateway answers at ${url}/health (${seen.seen})`;
  if (seen.kind === "hearth" && healthOwnership(seen.health, about.state.instance) === "another") return anotherInstance(url, about.state.dir);
  if (seen.kind === "hearth" && owner.kind === "other") return `hearth's gateway answering at ${url}/ is ${notTheService(owner)}; once it stops, the service takes over at its next restart`;
  if (seen.kind === "hearth") return `hearth's gateway answering at ${url}/ was started before this ${about.before} (run in a terminal?), not by the service`;
  return undefined;
}

/** A hearth gateway whose process is not the service's, in words. */
export function notTheService(owner: Extract<GatewayOwner, { kind: "other" }>): string {
  return `not the service's own process (${owner.holder}; the service's: ${owner.servicePid === undefined ? "not running" : `pid ${owner.servicePid}`}): a gateway run in a terminal holds the port (stop it: Ctrl+C, or \`kill ${owner.pid}\`)`;
}

/** Where a service's output goes: the manager's own, then the gateway's JSON log (`hearth logs`). */
export function serviceLogs(manager: "systemd" | "launchd", logDir: string): string[] {
  const own = manager === "systemd" ? `\`journalctl --user -u ${SYSTEMD_UNIT} -n 50\`` : join(logDir, "gateway.err.log");
  return [own, join(logDir, "gateway.log")];
}

/**
 * The last lines a service that does not come back wrote, each source with its name: the manager's
 * own (the journal; launchd's gateway.err.log — a config that does not load is said there, before
 * any JSON log), then the gateway's JSON log as `hearth logs` shows it. Sources that say nothing are left out.
 */
export async function lastServiceLines(io: CliIo, about: { host: ServiceHost; manager: "systemd" | "launchd"; count: number }): Promise<{ source: string; lines: string[] }[]> {
  const { host, manager, count } = about;
  const sources: { source: string; lines: string[] }[] = [];
  if (manager === "systemd") {
    const journal = await host.run("journalctl", ["--user", "-u", SYSTEMD_UNIT, "-n", String(count), "--no-pager"]);
    const lines = journal.code === 0 ? journal.stdout.split("\n").filter((line) => line.trim() !== "" && !/^-- No entries --$/.test(line.trim())) : [];
    if (lines.length > 0) sources.push({ source: `journalctl --user -u ${SYSTEMD_UNIT}`, lines: lines.map((line) => prettyLogLine(io, line)) });
  } else {
    const errLog = join(host.logDir, "gateway.err.log");
    const lines = readLogTail(errLog, count)?.lines ?? [];
    if (lines.length > 0) sources.push({ source: errLog, lines: lines.map((line) => prettyLogLine(io, line)) });
  }
  const jsonLog = join(host.logDir, "gateway.log");
  const logged = readLogTail(jsonLog, count)?.lines ?? [];
  if (logged.length > 0) sources.push({ source: jsonLog, lines: logged.map((line) => prettyLogLine(io, line)) });
  return sources;
}

import { createServer } from "node:net";
import { hearthHealth, type HearthHealth } from "../../ops/gateway-health.js";
import { LAUNCHD_LABEL, SYSTEMD_UNIT, type CommandRunner, type ServiceHost } from "./service.js";

export interface ListenAddress {
  bind: string;
  port: number;
}

/** Why the address cannot be listened on now (EADDRINUSE, EACCES …), or undefined when it can: binds it for a moment. */
export function listenError(address: ListenAddress): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host: address.bind.replace(/^\[(.*)\]$/, "$1"), port: address.port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** What answers GET <url>/health: a hearth gateway, another server (what it said), or nothing. */
export type HealthSeen = { kind: "hearth"; health: HearthHealth } | { kind: "other"; seen: string } | { kind: "none" };

export async function healthAt(url: string, timeoutMs: number): Promise<HealthSeen> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const health = response.ok ? hearthHealth(body) : undefined;
    return health ? { kind: "hearth", health } : { kind: "other", seen: `HTTP ${response.status} ${text.replace(/\s+/g, " ").trim().slice(0, 80)}` };
  } catch {
    return { kind: "none" };
  }
}

/** The program listening on `port` as `ss` (Linux) or `lsof` (macOS) names it ("node, pid 4242"); undefined when neither says. */
export async function portHolder(run: CommandRunner, port: number): Promise<string | undefined> {
  const listener = await portListener(run, port);
  return listener && `${listener.name}, pid ${listener.pid}`;
}

/** The process listening on `port` (ours: `ss -p` and `lsof` name only the user's own), or undefined when neither tool says. */
export async function portListener(run: CommandRunner, port: number): Promise<{ name: string; pid: number } | undefined> {
  const ss = await run("ss", ["-Hltnp", `sport = :${port}`]);
  const users = /users:\(\("([^"]+)",pid=(\d+)/.exec(ss.stdout);
  if (ss.code === 0 && users) return { name: users[1] ?? "a program", pid: Number(users[2]) };
  const lsof = await run("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"]);
  const pid = /^p(\d+)$/m.exec(lsof.stdout)?.[1];
  const name = /^c(.+)$/m.exec(lsof.stdout)?.[1];
  return lsof.code === 0 && pid ? { name: name ?? "a program", pid: Number(pid) } : undefined;
}

/** The service's main process as its manager says (systemd's MainPID, launchd's pid); undefined when it runs none. */
export async function serviceMainPid(watch: Pick<StartWatch, "manager" | "uid" | "run">): Promise<number | undefined> {
  const pid =
    watch.manager === "systemd"
      ? /^MainPID=(\d+)$/m.exec((await watch.run("systemctl", ["--user", "show", SYSTEMD_UNIT, "-p", "MainPID"])).stdout)?.[1]
      : /^\s*pid = (\d+)$/m.exec((await watch.run("launchctl", ["print", `gui/${watch.uid}/${LAUNCHD_LABEL}`])).stdout)?.[1];
  return pid === undefined || pid === "0" ? undefined : Number(pid);
}

/**
 * Whose is the hearth gateway answering on `port`: the service's (the process listening is the one
 * its manager started), another's — one run in a terminal holds the port, and the service cannot
 * listen — or not known (neither `ss` nor `lsof` names the process listening). Nothing is asked of
 * the gateway itself: an open bind's `/health` tells nobody its pid.
 */
export type GatewayOwner = { kind: "service" } | { kind: "other"; holder: string; pid: number; servicePid: number | undefined } | { kind: "unknown" };

export async function gatewayOwner(check: Pick<StartWatch, "manager" | "uid" | "run"> & { port: number }): Promise<GatewayOwner> {
  const [servicePid, listener] = await Promise.all([serviceMainPid(check), portListener(check.run, check.port)]);
  if (listener === undefined) return { kind: "unknown" };
  if (listener.pid === servicePid) return { kind: "service" };
  return { kind: "other", holder: `${listener.name}, pid ${listener.pid}`, pid: listener.pid, servicePid };
}

/** How a just-started service is doing: answering, exited (restarting or given up), or neither yet. */
export type StartOutcome = { state: "answers" } | { state: "exited"; seen: string; restarting: boolean } | { state: "silent" };

/** What the manager does with a service that exited: restarts it (systemd auto-restart, launchd KeepAlive) or has given up (systemd failed). */
export function restartWords(manager: string, outcome: { restarting: boolean }): string {
  return outcome.restarting ? `${manager} keeps restarting it` : `${manager} has given up restarting it (it stays stopped until started again)`;
}

export interface StartWatch {
  manager: "systemd" | "launchd";
  uid: number;
  run: CommandRunner;
  /** Whether the gateway answers GET /health where it listens. */
  answers: () => Promise<boolean>;
  /** Waits between looks (the CLI: a timer; tests: nothing). */
  pause: (ms: number) => Promise<void>;
  /** How many looks, a quarter second apart, before "silent". */
  looks: number;
}

/**
 * Watches a service just started until it answers /health or its manager says it exited: a gateway
 * whose config does not load exits (code 2) at once, and the manager restarts it every few seconds
 * for ever, which `install` alone would report as success.
 */
export async function watchStart(watch: StartWatch): Promise<StartOutcome> {
  for (let look = 0; look < watch.looks; look += 1) {
    if (await watch.answers()) return { state: "answers" };
    const exited = watch.manager === "systemd" ? await systemdExit(watch.run) : await launchdExit(watch.run, watch.uid);
    if (exited) return { state: "exited", ...exited };
    await watch.pause(250);
  }
  return { state: "silent" };
}

async function systemdExit(run: CommandRunner): Promise<{ seen: string; restarting: boolean } | undefined> {
  const shown = await run("systemctl", ["--user", "show", SYSTEMD_UNIT, "-p", "ActiveState", "-p", "SubState", "-p", "ExecMainStatus", "-p", "NRestarts"]);
  if (shown.code !== 0) return undefined;
  const value = (name: string): string => new RegExp(`^${name}=(.*)$`, "m").exec(shown.stdout)?.[1]?.trim() ?? "";
  const active = value("ActiveState");
  const sub = value("SubState");
  if (active !== "failed" && sub !== "auto-restart" && active !== "inactive") return undefined;
  const status = value("ExecMainStatus");
  const restarts = value("NRestarts");
  return { seen: `systemd: ${active}${sub ? ` (${sub})` : ""}, exit status ${status || "?"}${restarts && restarts !== "0" ? `, restarted ${restarts} times` : ""}`, restarting: sub === "auto-restart" };
}

async function launchdExit(run: CommandRunner, uid: number): Promise<{ seen: string; restarting: boolean } | undefined> {
  const printed = await run("launchctl", ["print", `gui/${uid}/${LAUNCHD_LABEL}`]);
  if (printed.code !== 0) return undefined;
  const state = /^\s*state = (.+)$/m.exec(printed.stdout)?.[1]?.trim();
  const exit = /^\s*last exit code = (.+)$/m.exec(printed.stdout)?.[1]?.trim();
  if (state === "running" || exit === undefined || exit === "0" || exit.startsWith("(never exited)")) return undefined;
  // hearth's plist keeps the agent alive (KeepAlive): launchd starts it again after each exit.
  return { seen: `launchd: ${state ?? "not running"}, last exit code ${exit}`, restarting: true };
}

/**
 * The service's state as its manager says it, in words, whatever it is ("systemd: active (running),
 * main pid 4242" / "launchd: not running, last exit code 2"); undefined when the manager says nothing.
 */
export async function serviceState(check: Pick<StartWatch, "manager" | "uid" | "run">): Promise<string | undefined> {
  if (check.manager === "systemd") {
    const shown = await check.run("systemctl", ["--user", "show", SYSTEMD_UNIT, "-p", "ActiveState", "-p", "SubState", "-p", "ExecMainStatus", "-p", "NRestarts", "-p", "MainPID"]);
    const value = (name: string): string => new RegExp(`^${name}=(.*)$`, "m").exec(shown.stdout)?.[1]?.trim() ?? "";
    const active = value("ActiveState");
    if (shown.code !== 0 || active === "") return undefined;
    const sub = value("SubState");
    const pid = value("MainPID");
    const status = value("ExecMainStatus");
    const restarts = value("NRestarts");
    return `systemd: ${active}${sub ? ` (${sub})` : ""}${pid && pid !== "0" ? `, main pid ${pid}` : ""}${status && status !== "0" ? `, exit status ${status}` : ""}${restarts && restarts !== "0" ? `, restarted ${restarts} times` : ""}`;
  }
  const printed = await check.run("launchctl", ["print", `gui/${check.uid}/${LAUNCHD_LABEL}`]);
  if (printed.code !== 0) return undefined;
  const state = /^\s*state = (.+)$/m.exec(printed.stdout)?.[1]?.trim();
  const pid = /^\s*pid = (\d+)$/m.exec(printed.stdout)?.[1];
  const exit = /^\s*last exit code = (.+)$/m.exec(printed.stdout)?.[1]?.trim();
  return `launchd: ${state ?? "state unknown"}${pid ? `, pid ${pid}` : ""}${exit ? `, last exit code ${exit}` : ""}`;
}

/**
 * Whether a systemd user service starts at boot: only with lingering on (`loginctl enable-linger`);
 * otherwise it starts at the user's login and stops at their last logout. Undefined: logind did not say.
 */
export async function lingers(host: Pick<ServiceHost, "run" | "uid">): Promise<boolean | undefined> {
  const outcome = await host.run("loginctl", ["show-user", String(host.uid), "--property=Linger", "--value"]);
  const answer = outcome.code === 0 ? outcome.stdout.trim() : "";
  return answer === "yes" ? true : answer === "no" ? false : undefined;
}

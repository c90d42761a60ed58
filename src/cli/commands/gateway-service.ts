import { existsSync, statSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gatewayUrl, isLoopback, openableUrl } from "../../config/gateway-address.js";
import { loadConfig } from "../../config/load.js";
import { configLocation, stateDir } from "../../config/paths.js";
import { anotherInstance, envWrittenSinceRead, healthOwnership } from "../../ops/gateway-health.js";
import { serviceEnvFile } from "../../config/service-env.js";
import { listenFlags, serviceTarget, type InstalledServiceFile, type ServiceListen } from "../../ops/gateway-service-target.js";
import { openBindRefusal } from "../../ops/gateway-token-advice.js";
import { HearthError } from "../../shared/errors.js";
import { installDir } from "../../shared/install-dir.js";
import { installService, realRunner, serviceFile, staleServiceFiles, uninstallService, type RunningService, type ServiceHost } from "../gateway/service.js";
import { configuredAddress } from "../gateway/config-address.js";
import { restartNeedLine } from "../../ops/restart-needed.js";
import { answeringRecord, stoppingRecords, whyElsewhere } from "../../ops/gateway-listening.js";
import { stoppingLine } from "../gateway/stopping-status.js";
import { gatewayOwner, healthAt, lingers, listenError, portHolder, restartWords, type ListenAddress, type HealthSeen } from "../gateway/service-checks.js";
import { notTheService, otherAnswer, serviceLogs, thisState, watchService, type ThisState } from "./gateway-service-watch.js";
import { asTyped, commandLine, configuredCommand, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localTime } from "../../shared/local-time.js";
import { unresponsiveGateway } from "../../ops/gateway-unresponsive.js";
import { gatewayProblems } from "../gateway/gateway-problems.js";

/** This checkout's bin/hearth: what an installed service should run. */
export function thisBin(): string {
  const install = installDir(import.meta.url);
  return install === undefined ? fileURLToPath(new URL("../../../bin/hearth", import.meta.url)) : join(install, "bin", "hearth");
}

/** Where the service is installed on this system (undefined where hearth installs none). */
export function installedServiceFile(io: CliIo): InstalledServiceFile | undefined {
  if (process.platform !== "linux" && process.platform !== "darwin") return undefined;
  return serviceFile({ platform: process.platform, home: io.env.HOME ?? homedir(), command: io.command });
}

export interface GatewayInstallOptions extends GlobalOptions {
  /** `hearth gateway install --port N`: the service listens there (written into its command line). */
  port?: string;
  bind?: string;
}

/** The real machine: this node, this checkout's bin/hearth, the config and state dir in use now. */
export function serviceHost(io: CliIo, options: GatewayInstallOptions): ServiceHost {
  // Where the config is, not whether it loads: uninstall and status work on a broken config too.
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const bin = thisBin();
  const environment: Record<string, string> = { HEARTH_STATE_DIR: state };
  if (io.env.PATH) environment.PATH = io.env.PATH;
  // The config this command was given (--config, HEARTH_CONFIG), on the service's command line as a full path: the service runs the config the user tested, and `gateway status` says which.
  const config = location.origin === "default" ? [] : ["--config", location.file];
  const listen = [...(options.port === undefined ? [] : ["--port", options.port]), ...(options.bind === undefined ? [] : ["--bind", options.bind])];
  return { platform: process.platform, home: io.env.HOME ?? homedir(), uid: userInfo().uid, run: realRunner, command: configuredCommand(io), programArguments: [process.execPath, bin, "gateway", ...config, ...listen], environment, logDir: join(state, "logs"), envFile: serviceEnvFile(io.env) };
}

/**
 * Installs and starts the service, refusing first what the service could never serve (an open bind
 * without a token, a port something else holds), and then watching that the gateway it started
 * answers: a service that exits at once (a config that does not load, a port taken meanwhile) is
 * reported with where its log is, exit 1. A gateway that answered before the (re)start — one run in a
 * terminal, the old service — is not taken for it.
 */
export async function gatewayInstall(io: CliIo, options: GatewayInstallOptions): Promise<number> {
  const gateway = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd }).config.gateway;
  const port = options.port === undefined ? gateway.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new HearthError("usage", `--port: "${options.port ?? ""}" is not a port number (0–65535)`);
  const address = { bind: options.bind ?? gateway.bind, port };
  if (!isLoopback(address.bind) && gateway.auth.token === undefined) {
    const refusal = openBindRefusal(address.bind);
    throw new HearthError("usage", `${refusal.message}; the service would refuse to start; nothing installed`, refusal.fixes);
  }
  const host = serviceHost(io, options);
  const state = thisState(io);
  const url = gatewayUrl(address);
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const chosen = location.origin === "default" ? undefined : location.file;
  const flags = listenFlags({ port: options.port === undefined ? undefined : port, bind: options.bind });
  await refuseTakenPort(io, { host, address, flags: { port: options.port === undefined ? undefined : port, bind: options.bind }, state });
  const running = port === 0 ? undefined : await runningService({ host, url, port, state });
  const restartedAt = Date.now();
  const report = await installService(host, running);
  const { outcome, seen, owner } = await watchService({ host, manager: report.manager, url, port, state, restartedAt: report.restarted ? restartedAt : undefined });
  const logs = serviceLogs(report.manager, host.logDir);
  const other = otherAnswer(seen, { url, owner, state, before: "install" });
  // A systemd user service starts at boot only with lingering on; without it, at login (launchd agents: at login).
  const atBoot = outcome.state !== "exited" && report.manager === "systemd" && (await lingers(host)) === true;
  // --json promises one document: a service that exited is the error's, which then names what was installed (its details).
  if (options.json) {
    if (outcome.state !== "exited") writeJson(io, { ...report, url: `${url}/`, started: outcome.state, startsAt: atBoot ? "boot" : "login", ...(other ? { otherAnswer: other } : {}) });
  } else {
    for (const action of report.actions) writeLine(io.stdout, action);
    const starts = atBoot ? "starts at boot (lingering is on)" : "starts when you log in";
    if (outcome.state === "answers") writeLine(io.stdout, `the gateway answers at ${url}/; it runs as a ${report.manager} service${chosen ? ` with the config ${chosen}` : ""} and ${starts}; \`${commandLine(io, "gateway status")}\` checks it`);
    else if (outcome.state === "silent") writeLine(io.stdout, `the gateway runs as a ${report.manager} service and ${starts}, but did not answer at ${url}/health yet${other ? ` (${other})` : ""}; \`${commandLine(io, "gateway status")}\` checks it again (its log: ${logs.join(", ")})`);
    if (outcome.state !== "exited" && report.manager === "systemd" && !atBoot) writeLine(io.stdout, "note: after a reboot it starts only once you log in, and it stops when you log out; `loginctl enable-linger $USER` starts it at boot and keeps it running");
  }
  if (outcome.state !== "exited") return 0;
  throw new HearthError("runtime", `the gateway service started and exited at once (${outcome.seen}); ${restartWords(report.manager, outcome)}${other ? `; ${other}` : ""}`, [
    ...(options.json ? report.actions : []),
    `its log: ${logs.join(", ")}`,
    `fix: \`${commandLine(io, `gateway${flags}`)}\` in a terminal shows the error; once fixed the service picks it up at its next restart (or \`${commandLine(io, "gateway uninstall")}\`)`,
  ]);
}

/**
 * The installed service running now, when what answers at its address is this state dir's gateway and
 * (as far as `ss`/`lsof` tell) the process its manager runs: when it started, so that install restarts
 * it when gateway.env or the unit was written since.
 */
export async function runningService(check: { host: ServiceHost; url: string; port: number; state: ThisState }): Promise<RunningService | undefined> {
  const seen = await healthAt(check.url, 1_000);
  if (seen.kind !== "hearth" || seen.health.startedAt === undefined || healthOwnership(seen.health, check.state.instance) === "another") return undefined;
  const { manager } = serviceFile(check.host);
  const owner = await gatewayOwner({ manager, uid: check.host.uid, run: check.host.run, port: check.port });
  return owner.kind === "other" ? undefined : { startedAt: seen.health.startedAt };
}

/**
 * A port something else listens on makes the service fail at every start: refuse, naming the holder.
 * A hearth gateway answering there is taken for the service itself only when the installed service
 * listens at that very address (installing again rewrites and restarts it); any other server answering
 * `/health` (llama-server's says `{"status":"ok"}` too) is a holder like any other.
 */
async function refuseTakenPort(io: CliIo, check: { host: ServiceHost; address: ListenAddress; flags: ServiceListen; state: ThisState }): Promise<void> {
  const { host, address } = check;
  if (address.port === 0) return;
  const error = await listenError(address);
  if (error === undefined) return;
  const seen = await healthAt(gatewayUrl(address), 1_000);
  const installed = serviceTarget(serviceFile(host), { bin: thisBin(), command: io.command });
  const { manager } = serviceFile(host);
  // The service itself (installing again rewrites and restarts it, or leaves it be) — not a gateway run in a terminal at its address.
  const another = seen.kind === "hearth" && healthOwnership(seen.health, check.state.instance) === "another";
  const owner = seen.kind === "hearth" && !another && installed && sameAddress(installed.listen, check.flags) ? await gatewayOwner({ manager, uid: host.uid, run: host.run, port: address.port }) : undefined;
  if (owner && owner.kind !== "other") return;
  const holder = another
    ? `a hearth gateway of another state dir than this one's (${check.state.dir}: another HEARTH_STATE_DIR or HOME started it)`
    : owner?.kind === "other"
      ? `a hearth gateway ${notTheService(owner)}`
      : seen.kind === "hearth"
        ? "a hearth gateway (run in a terminal? stop it with Ctrl+C)" : await portHolder(host.run, address.port);
  const why = error.code === "EADDRINUSE" ? `port ${address.port} on ${address.bind} is in use${holder ? ` by ${holder}` : ""}` : `cannot listen on ${address.bind}:${address.port}: ${error.message}`;
  throw new HearthError("runtime", `${why}: the service would fail at every start; nothing installed`, [
    `fix: \`${commandLine(io, `gateway install${listenFlags({ ...check.flags, port: address.port === 65_535 ? address.port - 1 : address.port + 1 })}`)}\` (or set gateway.port), or stop the program that holds it`,
  ]);
}

/** Whether two command lines' --port/--bind listen at the same place (absent: the config's, alike). */
function sameAddress(a: ServiceListen, b: ServiceListen): boolean {
  return a.port === b.port && a.bind === b.bind;
}

export async function gatewayUninstall(io: CliIo, options: GlobalOptions): Promise<number> {
  const report = await uninstallService(serviceHost(io, options));
  if (options.json) writeJson(io, report);
  else if (!report.installed) writeLine(io.stdout, `no gateway service installed (${report.file} does not exist)`);
  else for (const action of report.actions) writeLine(io.stdout, action);
  if (!options.json) for (const failure of report.failures) writeLine(io.stderr, `hearth: ${failure}`);
  return report.failures.length > 0 ? 1 : 0;
}

/** How long `status` waits for a gateway's /health. */
const HEALTH_WAIT_MS = 2_000;

/**
 * Whether a hearth gateway answers /health where the service listens — its own --port/--bind when one
 * is installed, else the config's — and whether the service is installed. Exit 0 when it runs, 1 when not.
 */
export async function gatewayStatus(io: CliIo, options: GlobalOptions): Promise<number> {
  // A config that does not load is reported below; the gateway is still asked where it listens.
  const { problem: configProblem, portFrom, portUnknown: configPortUnknown, unreadable, missingFile, token, ...gateway } = configuredAddress(io, options);
  const host = serviceHost(io, options);
  const { manager, file } = serviceFile(host);
  const target = serviceTarget({ manager, file }, { bin: thisBin(), command: io.command });
  const installed = target !== undefined;
  const configUrl = gatewayUrl(gateway);
  const url = gatewayUrl({ bind: target?.listen.bind ?? gateway.bind, port: target?.listen.port ?? gateway.port });
  // The config's port unknown (it cannot be read, or its port is not a number as written): never say what "the config says".
  const portUnknown = configProblem !== undefined && configPortUnknown;
  const apart = url === configUrl || portUnknown ? undefined : `the service listens at ${url}/ (its command line:${listenFlags(target?.listen ?? {})}); the config says ${configUrl}/`;
  const servicePort = target?.listen.port;
  // Where this gateway should listen is unknown (the config's port unknown, no service's own --port): nothing to compare where it runs with.
  const addressUnknown = portUnknown && servicePort === undefined;
  const asked = portUnknown
    ? `${unreadable ? `the config cannot be read (${configProblem.message})` : "the config does not load and its gateway.port is not a number as written"}, so the port it sets is unknown; asked ${url}/ instead: ${
        servicePort !== undefined
          ? `the port on the service's own command line (--port ${servicePort}, as ${manager} has it in ${file})`
          : `the default port ${gateway.port}${installed ? " (the service's command line names no --port: it reads this config too)" : ""}`
      }`
    : undefined;
  const state = thisState(io);
  const found = await findGateway({ url, state });
  const seen = found.seen;
  // Started with another address than the config's (`--port` in a terminal, or the config's address edited since): where it answers is where it runs.
  const startedElsewhere = found.url !== url && !addressUnknown ? found.url : undefined;
  // Found by its record, not where it was asked, while its address is unknown: said as such, compared with nothing.
  const foundByRecord = found.url !== url && addressUnknown ? found.url : undefined;
  const elsewhereWhy = whyElsewhere(found, { says: installed ? "the service" : "the config", missingFile });
  // Where the gateway was looked for, as said after "started with another address than <url>/": the service's, the config's, or — the config sets no port — the default.
  const expectedFrom = installed ? "where the service says it listens" : portFrom === "default" ? (missingFile !== undefined ? `the default address (there is no config file at ${missingFile})` : "the default address (no gateway.port in the config)") : "where the config says it listens";
  // Only this state dir's gateway is "running"; another hearth's answering there is said as such.
  const another = seen.kind === "hearth" && healthOwnership(seen.health, state.instance) === "another";
  const health = seen.kind === "hearth" && !another ? seen.health : undefined;
  // Nothing of this state dir answers: one that stops (it listens no more, and finishes its turns) is said as such, not as not running.
  const draining = health ? undefined : stoppingRecords(state.dir)[0];
  // Nothing answers, yet the state dir's gateway process runs (it holds the lock: a second one is refused): stopped or hung, not "not running".
  const unresponsive = health || draining || another || seen.kind === "other" ? undefined : unresponsiveGateway(state.dir, { url: found.url, waitedMs: HEALTH_WAIT_MS });
  const envFile = host.envFile !== undefined && existsSync(host.envFile) ? { path: host.envFile, mtimeMs: statSync(host.envFile).mtimeMs } : undefined;
  const problem = target?.problem;
  // A gateway run in a terminal may answer where the service listens: say so rather than "running" alone.
  // Found where the service does not listen: it is not the service's process, whatever holds the service's port.
  const owner = installed && health && !startedElsewhere ? await gatewayOwner({ manager, uid: host.uid, run: host.run, port: Number(new URL(found.url).port) }) : undefined;
  const stranger =
    owner?.kind === "other"
      ? `what answers is ${notTheService(owner)}`
      : installed && health && startedElsewhere
        ? `the gateway running is not the service (nothing of it answers at ${url}/): it was started apart, at ${startedElsewhere}/ — stop it (Ctrl+C where it runs) before the service is started`
        : undefined;
  const restart = `\`${commandLine(io, "gateway restart")}\``;
  const runsConfig = installed ? serviceConfigWords(io, { options, config: target.config, from: target.configFrom }) : undefined;
  // Against the gateway's last read of gateway.env (its start, or a config reload's re-read), as doctor judges it.
  const envStale =
    health !== undefined && envWrittenSinceRead(health, envFile)
      ? `${envFile?.path ?? "gateway.env"} was written after the gateway ${health.envReadAt === undefined || health.envReadAt === health.startedAt ? "started" : `last read it (${localTime(health.envReadAt, "second")})`}: it runs with the variables from before; restart to apply: ${installed && !stranger ? restart : "stop the gateway and start it again"}`
      : undefined;
  // The service's own gateway, started before its unit or plist was last written (install's own check): it runs the older one.
  const serviceStart = installed && health?.startedAt !== undefined && !stranger ? health.startedAt : undefined;
  const unitStale =
    serviceStart !== undefined && staleServiceFiles(host, { startedAt: serviceStart }).includes(file)
      ? `${file} was written after the running service started (${localTime(serviceStart, "second")}): it runs with the ${manager === "systemd" ? "unit" : "plist"} as it was before; ${restart} applies it`
      : undefined;
  // The gateway settings edited since it started: it keeps the old ones until it is restarted.
  const restartHow = installed && !stranger ? restart : "stop the gateway and start it again";
  // What the running gateway says it cannot do (no model answers, the state dir refuses writes): its /health counts them, its /api/status words them.
  const tokenUnknown = configProblem ? "the config does not load here (its problem is below), so its gateway.auth.token is unknown" : undefined;
  const setup = health?.problems ? await gatewayProblems(found.url, { count: health.problems, token, tokenUnknown, timeoutMs: HEALTH_WAIT_MS }) : undefined;
  const restartNeeded = (health?.restartNeeded ?? []).map((need) => ({ ...need, line: `restart needed: ${restartNeedLine(need)} (${restartHow})` }));
  if (options.json)
    writeJson(io, {
      running: health !== undefined,
      ...(setup?.kind === "said" ? { setup: setup.problems } : setup ? { setupUnread: { count: setup.count, why: setup.why } } : {}),
      ...(restartNeeded.length > 0 ? { restartNeeded: restartNeeded.map(({ key, change, consequence }) => ({ key, change, consequence })) } : {}),
      url: `${found.url}/`,
      ...(startedElsewhere ? { expectedUrl: `${url}/`, ...(found.flags ? { startedWith: found.flags } : {}) } : {}),
      ...(apart ? { configUrl: `${configUrl}/` } : {}),
      portFrom: servicePort !== undefined ? "service" : portFrom,
      version: health?.version,
      uptimeSeconds: health?.uptimeSeconds,
      ...(seen.kind === "other" ? { otherAnswer: seen.seen } : {}),
      ...(draining ? { stopping: { url: `${draining.url}/`, pid: draining.pid, turns: draining.stopping.turns, proxied: draining.stopping.proxied, since: new Date(draining.stopping.since).toISOString() } } : {}),
      ...(another ? { otherInstance: anotherInstance(url, state.dir) } : {}),
      ...(unresponsive ? { unresponsive: { pid: unresponsive.pid, url: `${unresponsive.url}/`, ...(unresponsive.stopped !== undefined ? { stopped: unresponsive.stopped } : {}), starting: unresponsive.starting, problem: unresponsive.line, fix: unresponsive.fix } } : {}),
      ...(envStale ? { envChanged: envStale } : {}),
      service: { manager, file, installed, ...(target ? { programArguments: target.programArguments, listen: target.listen, config: target.config ?? null } : {}), ...(runsConfig?.other ? { otherConfig: runsConfig.line } : {}), ...(problem ? { problem } : {}), ...(stranger ? { notTheService: stranger } : {}), ...(unitStale ? { unitChanged: unitStale } : {}) },
      ...(configProblem ? { config: { problem: configProblem.message, details: configProblem.details.filter((line) => !line.trim().startsWith("fix: ")), fix: configFix(io, configProblem) } } : {}),
    });
  else {
    if (health && startedElsewhere) writeLine(io.stdout, `running: ${openableUrl(startedElsewhere)}/ (version ${health.version ?? "?"}, up ${health.uptimeSeconds ?? 0} s) — started with another address than ${url}/, ${expectedFrom}${elsewhereWhy}`);
    else if (health) writeLine(io.stdout, `running: ${openableUrl(found.url)}/ (version ${health.version ?? "?"}, up ${health.uptimeSeconds ?? 0} s)`);
    else if (draining) writeLine(io.stdout, stoppingLine(draining));
    else if (another) writeLine(io.stdout, `not running: ${anotherInstance(url, state.dir)}; this one's gateway cannot listen there while it runs`);
    else if (unresponsive) writeLine(io.stdout, `${unresponsive.starting ? "starting" : "not answering"}: ${unresponsive.line}\n  fix: ${asTyped(io, unresponsive.fix)}`);
    else if (seen.kind === "other") writeLine(io.stdout, `not running: another server than hearth's gateway answers at ${url}/health (${seen.seen}); the gateway cannot listen there (set gateway.port, or \`${commandLine(io, "gateway install --port <a free port>")}\`)`);
    else writeLine(io.stdout, `not running: nothing answers at ${url}/health (start it: ${commandLine(io, `gateway${listenFlags(target?.listen ?? {})}`)})`);
    if (setup?.kind === "said") for (const line of setup.problems) writeLine(io.stdout, `needs setup: ${line}`);
    else if (setup) writeLine(io.stdout, `needs setup: the gateway reports ${setup.count} problem${setup.count === 1 ? "" : "s"} (no model answers, or it cannot save), and this command cannot read ${setup.count === 1 ? "it" : "them"}: ${setup.why}; its page shows ${setup.count === 1 ? "it" : "them"}, and \`${commandLine(io, "logs")}\` has ${setup.count === 1 ? "it" : "them"}`);
    for (const need of restartNeeded) writeLine(io.stdout, need.line);
    if (apart) writeLine(io.stdout, `address: ${apart}`);
    if (asked) writeLine(io.stdout, `address: ${asked}${health && foundByRecord ? `; nothing of this state dir answered there, and the running gateway was found at ${foundByRecord}/, where it recorded it listens` : ""}`);
    writeLine(io.stdout, installed ? `service: installed (${manager}: ${file})` : `service: not installed (${commandLine(io, "gateway install")} keeps it running)`);
    if (runsConfig) writeLine(io.stdout, `service: ${runsConfig.line}`);
    if (problem) writeLine(io.stdout, `service: ${problem.seen}\n  fix: ${problem.fix}`);
    if (stranger) writeLine(io.stdout, startedElsewhere ? `service: ${stranger}` : `service: ${stranger}; once it stops, the service takes over at its next restart`);
    if (unitStale) writeLine(io.stdout, `service: ${unitStale}`);
    if (envStale) writeLine(io.stdout, `gateway.env: ${envStale}`);
    if (configProblem) {
      // In this shell: the service may have what it lacks (its environment), and a running gateway keeps the config it loaded.
      writeLine(io.stdout, `config: ${unreadable ? "cannot be read" : "does not load here"}: ${configProblem.message}${health ? " (the running gateway keeps the config it loaded)" : ""}`);
      for (const line of configProblem.details) if (!line.trim().startsWith("fix: ")) writeLine(io.stdout, `  ${line}`);
      writeLine(io.stdout, `  fix: ${configFix(io, configProblem)}`);
    }
  }
  // Running but unable to answer or to save is a failure, as doctor's and `models status`'s error-level problems are.
  return health && !setup ? 0 : 1;
}

/**
 * Which config the installed service runs, said when it is not the default one or when this command was
 * given another: `runs the config FILE (its --config)`, and — not the one this command reads — how to make it
 * run this one (`other`).
 */
function serviceConfigWords(io: CliIo, service: { options: GlobalOptions; config: string | undefined; from: string | undefined }): { line: string; other: boolean } | undefined {
  const here = configLocation(service.options.config, { env: io.env, cwd: io.cwd });
  const runs = service.config === undefined ? undefined : resolve(service.config);
  if (runs === undefined && here.origin === "default") return undefined;
  const said = runs === undefined ? "runs the default config (no --config on its command line)" : `runs the config ${runs} (${service.from === "HEARTH_CONFIG" ? "HEARTH_CONFIG in its environment" : "its --config"})`;
  if (runs === here.file || (runs === undefined && here.origin === "default")) return { line: said, other: false };
  return { line: `${said}, not ${here.file}, which this command reads: \`${commandLine(io, "gateway install")}\` makes it run that one`, other: true };
}

/** The fix a config load error gives ("fix: …" among its details), else the general one. */
function configFix(io: CliIo, error: HearthError): string {
  const given = error.details.map((line) => line.trim()).find((line) => line.startsWith("fix: "));
  return given?.slice("fix: ".length) ?? `correct the file as the problems above say; \`${commandLine(io, "config validate")}\` checks it again`;
}

/**
 * This state dir's gateway: asked where the config (or the service) says it listens, and — when no
 * gateway of this state dir answers there — where a running one recorded it listens (started with
 * `--port` or `--bind`). What answered at the expected address is kept when the recorded one is not ours.
 */
async function findGateway(at: { url: string; state: ThisState }): Promise<{ url: string; seen: HealthSeen; flags?: string[] }> {
  const seen = await healthAt(at.url, HEALTH_WAIT_MS);
  if (seen.kind === "hearth" && healthOwnership(seen.health, at.state.instance) !== "another") return { url: at.url, seen };
  // Each running gateway of this state dir keeps its own record: the first of them that answers as ours.
  const ours = async (url: string): Promise<HealthSeen | undefined> => {
    const there = await healthAt(url, HEALTH_WAIT_MS);
    return there.kind === "hearth" && healthOwnership(there.health, at.state.instance) === "ours" ? there : undefined;
  };
  const found = await answeringRecord(at.state.dir, { except: at.url, ours });
  return found ? { url: found.url, seen: found.answer, ...(found.flags ? { flags: found.flags } : {}) } : { url: at.url, seen };
}


import { existsSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gatewayUrl } from "../../config/gateway-address.js";
import { loadConfig } from "../../config/load.js";
import { stateDir } from "../../config/paths.js";
import { serviceTarget, type InstalledServiceFile } from "../../ops/gateway-service-target.js";
import { HearthError } from "../../shared/errors.js";
import { installDir } from "../../shared/install-dir.js";
import { installService, realRunner, serviceFile, SYSTEMD_UNIT, uninstallService, type ServiceHost } from "../gateway/service.js";
import { listenError, portHolder, watchStart, type ListenAddress } from "../gateway/service-checks.js";
import { commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

/** This checkout's bin/hearth: what an installed service should run. */
export function thisBin(): string {
  const install = installDir(import.meta.url);
  return install === undefined ? fileURLToPath(new URL("../../../bin/hearth", import.meta.url)) : join(install, "bin", "hearth");
}

/** Where the service is installed on this system (undefined where hearth installs none). */
export function installedServiceFile(io: CliIo): InstalledServiceFile | undefined {
  if (process.platform !== "linux" && process.platform !== "darwin") return undefined;
  return serviceFile({ platform: process.platform, home: io.env.HOME ?? homedir() });
}

export interface GatewayInstallOptions extends GlobalOptions {
  /** `hearth gateway install --port N`: the service listens there (written into its command line). */
  port?: string;
  bind?: string;
}

/** The real machine: this node, this checkout's bin/hearth, the config and state dir in use now. */
function machine(io: CliIo, options: GatewayInstallOptions): ServiceHost {
  const location = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd }).location;
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const bin = thisBin();
  const environment: Record<string, string> = { HEARTH_STATE_DIR: state };
  if (location.origin !== "default") environment.HEARTH_CONFIG = location.file;
  if (io.env.PATH) environment.PATH = io.env.PATH;
  const listen = [...(options.port === undefined ? [] : ["--port", options.port]), ...(options.bind === undefined ? [] : ["--bind", options.bind])];
  return { platform: process.platform, home: io.env.HOME ?? homedir(), uid: userInfo().uid, run: realRunner, programArguments: [process.execPath, bin, "gateway", ...listen], environment, logDir: join(state, "logs") };
}

/**
 * Installs and starts the service, refusing first when its port is taken by something else (the
 * service would fail at every start), and then watching that it answers: a service that exits at once
 * (a config that does not load, a port taken meanwhile) is reported with where its log is, exit 1.
 */
export async function gatewayInstall(io: CliIo, options: GatewayInstallOptions): Promise<number> {
  const gateway = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd }).config.gateway;
  const port = options.port === undefined ? gateway.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new HearthError("usage", `--port: "${options.port ?? ""}" is not a port number (0–65535)`);
  const address = { bind: options.bind ?? gateway.bind, port };
  const host = machine(io, options);
  const url = gatewayUrl(address);
  const answers = (): Promise<boolean> => fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then((response) => response.ok, () => false);
  await refuseTakenPort(io, { host, address, answers });
  const report = await installService(host);
  const outcome = port === 0 ? ({ state: "silent" } as const) : await watchStart({ manager: report.manager, uid: host.uid, run: host.run, answers, pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), looks: 60 });
  const logs = serviceLogs(report.manager, host.logDir);
  if (options.json) writeJson(io, { ...report, url: `${url}/`, started: outcome.state, ...(outcome.state === "exited" ? { seen: outcome.seen, logs } : {}) });
  else {
    for (const action of report.actions) writeLine(io.stdout, action);
    if (outcome.state === "answers") writeLine(io.stdout, `the gateway answers at ${url}/; it runs as a ${report.manager} service and starts with your session; \`${commandLine(io, "gateway status")}\` checks it`);
    else if (outcome.state === "silent") writeLine(io.stdout, `the gateway runs as a ${report.manager} service, but did not answer at ${url}/health yet; \`${commandLine(io, "gateway status")}\` checks it again (its log: ${logs.join(", ")})`);
  }
  if (outcome.state !== "exited") return 0;
  throw new HearthError("runtime", `the gateway service started and exited at once (${outcome.seen}); ${report.manager} keeps restarting it`, [
    `its log: ${logs.join(", ")}`,
    `fix: \`${commandLine(io, "gateway")}\` in a terminal shows the error; once fixed the service picks it up at its next restart (or \`${commandLine(io, "gateway uninstall")}\`)`,
  ]);
}

/** Where a service's output goes: the manager's own, then the gateway's JSON log (`hearth logs`). */
function serviceLogs(manager: "systemd" | "launchd", logDir: string): string[] {
  const own = manager === "systemd" ? `\`journalctl --user -u ${SYSTEMD_UNIT} -n 50\`` : join(logDir, "gateway.err.log");
  return [own, join(logDir, "gateway.log")];
}

/**
 * A port something else listens on makes the service fail at every start: refuse, naming the holder.
 * A hearth gateway answering there while the service is installed is taken for the service itself
 * (installing again rewrites and restarts it).
 */
async function refuseTakenPort(io: CliIo, check: { host: ServiceHost; address: ListenAddress; answers: () => Promise<boolean> }): Promise<void> {
  const { host, address } = check;
  if (address.port === 0) return;
  const error = await listenError(address);
  if (error === undefined) return;
  const hearth = await check.answers();
  if (hearth && existsSync(serviceFile(host).file)) return;
  const holder = hearth ? "a hearth gateway (run in a terminal? stop it with Ctrl+C)" : await portHolder(host.run, address.port);
  const why = error.code === "EADDRINUSE" ? `port ${address.port} on ${address.bind} is in use${holder ? ` by ${holder}` : ""}` : `cannot listen on ${address.bind}:${address.port}: ${error.message}`;
  throw new HearthError("runtime", `${why}: the service would fail at every start; nothing installed`, [
    `fix: \`${commandLine(io, `gateway install --port ${address.port === 65_535 ? address.port - 1 : address.port + 1}`)}\` (or set gateway.port), or stop the program that holds it`,
  ]);
}

export async function gatewayUninstall(io: CliIo, options: GlobalOptions): Promise<number> {
  const report = await uninstallService(machine(io, options));
  if (options.json) writeJson(io, report);
  else if (!report.installed) writeLine(io.stdout, `no gateway service installed (${report.file} does not exist)`);
  else for (const action of report.actions) writeLine(io.stdout, action);
  if (!options.json) for (const failure of report.failures) writeLine(io.stderr, `hearth: ${failure}`);
  return report.failures.length > 0 ? 1 : 0;
}

/** Whether a gateway answers /health where the config says it listens, and whether the service is installed. Exit 0 when it runs, 1 when not. */
export async function gatewayStatus(io: CliIo, options: GlobalOptions): Promise<number> {
  const gateway = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd }).config.gateway;
  const url = gatewayUrl(gateway);
  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
    .then(async (response) => (response.ok ? ((await response.json()) as { version?: string; uptimeSeconds?: number }) : undefined))
    .catch(() => undefined);
  const { manager, file } = serviceFile(machine(io, options));
  const target = serviceTarget({ manager, file }, thisBin());
  const installed = target !== undefined;
  const problem = target?.problem && { ...target.problem, fix: target.problem.fix.replace("`hearth gateway install`", `\`${commandLine(io, "gateway install")}\``) };
  if (options.json) writeJson(io, { running: health !== undefined, url: `${url}/`, version: health?.version, uptimeSeconds: health?.uptimeSeconds, service: { manager, file, installed, ...(target ? { programArguments: target.programArguments } : {}), ...(problem ? { problem } : {}) } });
  else {
    writeLine(io.stdout, health ? `running: ${url}/ (version ${health.version ?? "?"}, up ${health.uptimeSeconds ?? 0} s)` : `not running: nothing answers at ${url}/health (start it: ${commandLine(io, "gateway")})`);
    writeLine(io.stdout, installed ? `service: installed (${manager}: ${file})` : `service: not installed (${commandLine(io, "gateway install")} keeps it running)`);
    if (problem) writeLine(io.stdout, `service: ${problem.seen}\n  fix: ${problem.fix}`);
  }
  return health ? 0 : 1;
}

import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gatewayUrl } from "../../config/gateway-address.js";
import { loadConfig } from "../../config/load.js";
import { stateDir } from "../../config/paths.js";
import { serviceTarget, type InstalledServiceFile } from "../../ops/gateway-service-target.js";
import { installDir } from "../../shared/install-dir.js";
import { installService, realRunner, serviceFile, uninstallService, type ServiceHost } from "../gateway/service.js";
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

/** The real machine: this node, this checkout's bin/hearth, the config and state dir in use now. */
function machine(io: CliIo, options: GlobalOptions): ServiceHost {
  const location = loadConfig({ flag: options.config, env: io.env, cwd: io.cwd }).location;
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const bin = thisBin();
  const environment: Record<string, string> = { HEARTH_STATE_DIR: state };
  if (location.origin !== "default") environment.HEARTH_CONFIG = location.file;
  if (io.env.PATH) environment.PATH = io.env.PATH;
  return { platform: process.platform, home: io.env.HOME ?? homedir(), uid: userInfo().uid, run: realRunner, programArguments: [process.execPath, bin, "gateway"], environment, logDir: join(state, "logs") };
}

export async function gatewayInstall(io: CliIo, options: GlobalOptions): Promise<number> {
  const report = await installService(machine(io, options));
  if (options.json) writeJson(io, report);
  else {
    for (const action of report.actions) writeLine(io.stdout, action);
    writeLine(io.stdout, `the gateway runs as a ${report.manager} service and starts with your session; \`hearth gateway status\` checks it`);
  }
  return 0;
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

import { shellLine } from "../../shared/shell-quote.js";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { HearthError } from "../../shared/errors.js";
import { SERVICE_MARKER } from "./service-environment.js";
import { localTime } from "../../shared/local-time.js";

export const SYSTEMD_UNIT = "hearth-gateway.service";
export const LAUNCHD_LABEL = "dev.hearth.gateway";

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program and reports how it ended (127: not found); never throws. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandOutcome>;

/** What installing a service depends on; the CLI passes the real machine, tests their own. */
export interface ServiceHost {
  platform: NodeJS.Platform;
  home: string;
  uid: number;
  run: CommandRunner;
  /** hearth as the user ran it (`./bin/hearth`, `hearth`), for the fixes it prints. */
  command: string;
  /** The program and arguments that start the gateway (node, bin/hearth, gateway, --config …). */
  programArguments: readonly string[];
  /** Variables the service needs to find the same config and state (HEARTH_CONFIG, HEARTH_STATE_DIR). */
  environment: Readonly<Record<string, string>>;
  /** Where launchd writes the process's output (macOS). */
  logDir: string;
  /**
   * The gateway.env every command reads (`~/.hearth/gateway.env` of the HOME it runs with): the
   * unit's EnvironmentFile names this very file, so the service and the shell agree even where HOME
   * is not the account's home directory (systemd's `%h`, used when there is no HOME).
   */
  envFile?: string | undefined;
}

export interface ServiceReport {
  manager: "systemd" | "launchd";
  file: string;
  /** What was done, in order: written, unchanged, the commands run. */
  actions: string[];
  /** Whether the unit or plist was written (then the service was started or restarted now). */
  changed: boolean;
  /** Whether the running service was restarted now: its unit or plist was rewritten, or it or gateway.env was written after the service started. */
  restarted: boolean;
}

/** The service running now, as its /health says: when it started (ms since the epoch). */
export interface RunningService {
  startedAt: number;
}

export const realRunner: CommandRunner = (command, args) =>
  new Promise((resolve) => {
    execFile(command, [...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as NodeJS.ErrnoException).code === "ENOENT" ? 127 : typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && code === 127 ? `${command}: not found` : "") });
    });
  });

export function serviceFile(host: Pick<ServiceHost, "platform" | "home" | "command">): { manager: "systemd" | "launchd"; file: string } {
  if (host.platform === "darwin") return { manager: "launchd", file: join(host.home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`) };
  if (host.platform === "linux") return { manager: "systemd", file: join(host.home, ".config", "systemd", "user", SYSTEMD_UNIT) };
  throw new HearthError("usage", `hearth gateway install knows systemd (Linux) and launchd (macOS), not ${host.platform}`, [`fix: start \`${host.command} gateway\` with your system's service manager`]);
}

/** The systemd user unit: restarts on failure, stops with SIGTERM (turns in flight finish), keys from an optional env file. */
export function systemdUnit(host: ServiceHost): string {
  const quote = (value: string): string => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
  const environment = Object.entries(host.environment).map(([name, value]) => `Environment=${quote(`${name}=${value}`)}`);
  return [
    "[Unit]",
    "Description=hearth gateway (local-first AI assistant)",
    "After=network.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${host.programArguments.map(quote).join(" ")}`,
    ...environment,
    `Environment=${SERVICE_MARKER}=systemd`,
    "# glibc hands freed memory back to the system above this size (it would otherwise rise to what start-up freed):",
    "Environment=MALLOC_TRIM_THRESHOLD_=131072",
    "# API keys (ANTHROPIC_API_KEY=…), one per line, if your config needs them (a value here wins over the lines above):",
    `EnvironmentFile=-${host.envFile === undefined ? "%h/.hearth/gateway.env" : host.envFile.replace(/%/g, "%%")}`,
    "Restart=on-failure",
    "RestartSec=5",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=40",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

/**
 * The launchd agent: runs at login, restarted when it exits with a failure. launchd has no
 * EnvironmentFile: the gateway reads `~/.hearth/gateway.env` itself when HEARTH_SERVICE says it is the
 * service (service-environment.ts), so no key is copied into the plist.
 */
export function launchdPlist(host: ServiceHost): string {
  const xml = (value: string): string => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  const strings = (values: readonly string[]): string => values.map((value) => `    <string>${xml(value)}</string>`).join("\n");
  const environment = Object.entries(host.environment)
    .map(([name, value]) => `    <key>${xml(name)}</key>\n    <string>${xml(value)}</string>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${strings(host.programArguments)}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
${environment}
    <key>${SERVICE_MARKER}</key>
    <string>launchd</string>
  </dict>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ExitTimeOut</key>
  <integer>40</integer>
  <key>StandardOutPath</key>
  <string>${xml(join(host.logDir, "gateway.out.log"))}</string>
  <key>StandardErrorPath</key>
  <string>${xml(join(host.logDir, "gateway.err.log"))}</string>
</dict>
</plist>
`;
}

/**
 * Writes the unit or plist (only when it changed) and starts the service; running it again changes
 * nothing — unless the service `running` started before its unit or plist or gateway.env was last
 * written (edited by hand, or a key removed): it runs with what they said then, and is restarted.
 */
export async function installService(host: ServiceHost, running?: RunningService): Promise<ServiceReport> {
  const { manager, file } = serviceFile(host);
  const content = manager === "systemd" ? systemdUnit(host) : launchdPlist(host);
  const before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  const changed = before !== content;
  const actions: string[] = [];
  if (changed) {
    mkdirSync(dirname(file), { recursive: true });
    if (manager === "launchd") mkdirSync(host.logDir, { recursive: true });
    writeFileSync(file, content, { mode: 0o644 });
    actions.push(`${before === undefined ? "wrote" : "updated"} ${file}`);
  } else {
    actions.push(`unchanged ${file}`);
  }
  const stale = changed || running === undefined ? [] : staleServiceFiles(host, running);
  if (stale.length > 0) actions.push(`restarting the service: ${stale.join(" and ")} ${stale.length === 1 ? "was" : "were"} written after it started (${localTime(running?.startedAt ?? 0, "second")}), so it runs with what ${stale.length === 1 ? "it" : "they"} said before`);
  try {
    await start(host, { manager, file, changed, replaced: before !== undefined, stale }, actions);
  } catch (error) {
    // A service manager that refused leaves no half-installed service behind (a file it never started).
    if (before === undefined) rmSync(file, { force: true });
    throw error;
  }
  return { manager, file, actions, changed, restarted: (changed && before !== undefined) || stale.length > 0 };
}

/** Which of `paths` (those that exist) were last written after `since`. */
function writtenSince(paths: readonly (string | undefined)[], since: number): string[] {
  return paths.filter((path): path is string => path !== undefined && existsSync(path) && statSync(path).mtimeMs > since);
}

/**
 * Which of the service's unit or plist and gateway.env were written after the running service started
 * (edited by hand, a key removed): it runs with what they said before until it is restarted. Install
 * restarts it for them; status names them.
 */
export function staleServiceFiles(host: ServiceHost, running: RunningService): string[] {
  return writtenSince([serviceFile(host).file, host.envFile], running.startedAt);
}

/**
 * Restarts a loaded service — install's restart of a stale one and `hearth gateway restart` alike:
 * systemd's `restart` (its caller has run `daemon-reload`: a unit edited since is read only then);
 * launchd's `kickstart -k` (kill, then start again), or, for a plist written since the service
 * started, `bootout` and `bootstrap`: launchd rereads a plist only when it loads it.
 */
async function restartLoaded(host: ServiceHost, what: { manager: "systemd" | "launchd"; file: string; plistWritten: boolean }, run: (command: string, args: readonly string[]) => Promise<void>): Promise<void> {
  const label = `gui/${host.uid}/${LAUNCHD_LABEL}`;
  if (what.manager === "systemd") await run("systemctl", ["--user", "restart", SYSTEMD_UNIT]);
  else if (!what.plistWritten) await run("launchctl", ["kickstart", "-k", label]);
  else {
    await run("launchctl", ["bootout", label]);
    await run("launchctl", ["bootstrap", `gui/${host.uid}`, what.file]);
  }
}

/** What `restartService` did; `installed: false` (nothing run) when there is no unit or plist. */
export interface RestartReport {
  manager: "systemd" | "launchd";
  file: string;
  installed: boolean;
  /** The commands run, in order. */
  actions: string[];
}

/**
 * Restarts the installed service so that it runs with its unit or plist and gateway.env as they are
 * now (restartLoaded, after systemd's `daemon-reload`: a restart alone would start the unit as it
 * was); a launchd agent not loaded at all is loaded (it starts at load). `running`: when the service
 * running now started, to tell a plist written since.
 */
export async function restartService(host: ServiceHost, running?: RunningService): Promise<RestartReport> {
  const { manager, file } = serviceFile(host);
  const actions: string[] = [];
  if (!existsSync(file)) return { manager, file, installed: false, actions };
  const run = runner(host, actions);
  const plistWritten = running !== undefined && writtenSince([file], running.startedAt).length > 0;
  if (manager === "systemd") await run("systemctl", ["--user", "daemon-reload"]);
  else if ((await host.run("launchctl", ["print", `gui/${host.uid}/${LAUNCHD_LABEL}`])).code !== 0) {
    await run("launchctl", ["bootstrap", `gui/${host.uid}`, file]);
    return { manager, file, installed: true, actions };
  }
  await restartLoaded(host, { manager, file, plistWritten }, run);
  return { manager, file, installed: true, actions };
}

/** `stale`: the files written since the running service started (staleServiceFiles). */
async function start(host: ServiceHost, what: { manager: "systemd" | "launchd"; file: string; changed: boolean; replaced: boolean; stale: readonly string[] }, actions: string[]): Promise<void> {
  const { manager, file, changed } = what;
  const run = runner(host, actions);
  const restart = { manager, file, plistWritten: what.stale.includes(file) };
  if (manager === "systemd") {
    await run("systemctl", ["--user", "daemon-reload"]);
    await run("systemctl", ["--user", "enable", "--now", SYSTEMD_UNIT]);
    if ((changed && what.replaced) || what.stale.length > 0) await restartLoaded(host, restart, run);
    return;
  }
  const target = `gui/${host.uid}`;
  const loaded = (await host.run("launchctl", ["print", `${target}/${LAUNCHD_LABEL}`])).code === 0;
  // launchd reads gateway.env only at the gateway's start (service-environment.ts): kill and start it again (a plist written since: load it again).
  if (loaded && !changed && what.stale.length > 0) await restartLoaded(host, restart, run);
  if (loaded && !changed) return;
  if (loaded) await run("launchctl", ["bootout", `${target}/${LAUNCHD_LABEL}`]);
  await run("launchctl", ["bootstrap", target, file]);
}

/**
 * Stops and removes the service; when none is installed, says so and does nothing. The file is removed
 * even when the service manager cannot be reached; what failed is in `failures`, with the fix.
 */
export async function uninstallService(host: ServiceHost): Promise<ServiceReport & { installed: boolean; failures: string[] }> {
  const { manager, file } = serviceFile(host);
  const actions: string[] = [];
  const failures: string[] = [];
  if (!existsSync(file)) return { manager, file, actions, changed: false, restarted: false, installed: false, failures };
  const run = async (command: string, args: readonly string[]): Promise<void> => {
    await runner(host, actions)(command, args).catch((error: unknown) => {
      if (!(error instanceof HearthError)) throw error;
      failures.push([error.message, ...error.details].join("; "));
    });
  };
  if (manager === "systemd") {
    await run("systemctl", ["--user", "disable", "--now", SYSTEMD_UNIT]);
    rmSync(file, { force: true });
    actions.push(`removed ${file}`);
    await run("systemctl", ["--user", "daemon-reload"]);
  } else {
    const target = `gui/${host.uid}/${LAUNCHD_LABEL}`;
    if ((await host.run("launchctl", ["print", target])).code === 0) await run("launchctl", ["bootout", target]);
    rmSync(file, { force: true });
    actions.push(`removed ${file}`);
  }
  return { manager, file, actions, changed: true, restarted: false, installed: true, failures };
}

/** Runs a service-manager command, recording it; a failure is an error naming the command and the fix. */
function runner(host: ServiceHost, actions: string[]): (command: string, args: readonly string[]) => Promise<void> {
  return async (command, args) => {
    const line = shellLine([command, ...args]);
    const outcome = await host.run(command, args);
    actions.push(`ran ${line}`);
    if (outcome.code !== 0) {
      const why = (outcome.stderr || outcome.stdout).trim().split("\n")[0] ?? "";
      throw new HearthError("runtime", `\`${line}\` failed (exit ${outcome.code})${why ? `: ${why}` : ""}`, [
        command === "systemctl"
          ? `fix: a user service needs a systemd user session (log in normally, or \`loginctl enable-linger $USER\`); meanwhile run \`${host.command} gateway\` in a terminal`
          : `fix: run it from your logged-in macOS user (launchd's gui domain); meanwhile run \`${host.command} gateway\` in a terminal`,
      ]);
    }
  };
}

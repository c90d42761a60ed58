import { isLinked, linkAccount, LOGIN_TIMEOUT_MS, unlinkAccount, type LinkResult } from "../../channels/whatsapp/account.js";
import { baileysSocketFactory } from "../../channels/whatsapp/baileys-socket.js";
import type { ChannelLogger } from "../../channels/whatsapp/connection.js";
import { whatsappSettings } from "../../channels/whatsapp/settings.js";
import { whatsappPaths } from "../../channels/whatsapp/state-paths.js";
import { readStatus, writeStatus, writerName, writerRunning } from "../../channels/whatsapp/status-file.js";
import { loadConfig } from "../../config/load.js";
import { stateDir } from "../../config/paths.js";
import type { WhatsAppSection } from "../../config/schema/index.js";
import { HearthError } from "../../shared/errors.js";
import { configuredCommand, commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { localTime } from "../../shared/local-time.js";

const CHANNELS = ["whatsapp"] as const;

function checkChannel(name: string): void {
  if (!(CHANNELS as readonly string[]).includes(name)) throw new HearthError("usage", `unknown channel "${name}" (channels: ${CHANNELS.join(", ")})`);
}

function stderrLogger(io: CliIo): ChannelLogger {
  return { info: () => undefined, warn: (line) => writeLine(io.stderr, `hearth: ${line}`) };
}

/** `hearth channels status [--json]`: linked / connected / reconnecting, since when and why — read from the state dir, no gateway needed. */
export function channelsStatus(io: CliIo, options: GlobalOptions): number {
  // A config that does not load hides the settings, not the link and the connection (the state dir's): both are said.
  let section: WhatsAppSection | undefined;
  let configProblem: HearthError | undefined;
  try {
    section = loadConfig({ env: io.env, cwd: io.cwd, flag: options.config, command: configuredCommand(io) }).config.channels?.whatsapp;
  } catch (error) {
    if (!(error instanceof HearthError) || error.kind !== "config") throw error;
    configProblem = error;
  }
  const settings = whatsappSettings(section);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const linked = isLinked(state);
  const status = readStatus(whatsappPaths(state).status);
  const live = status ? writerRunning(status) : false;
  if (options.json) {
    writeJson(io, {
      whatsapp: {
        // Settings only from a config that loaded: the defaults would be a guess.
        ...(configProblem ? {} : { enabled: section?.enabled ?? false, dmPolicy: settings.dmPolicy, allowFrom: settings.allowFrom.length, groups: settings.groups.enabled }),
        linked,
        ...(status ? { state: status.state, since: status.since, reason: status.reason, account: status.account, running: live, writer: status.writer ?? "gateway" } : { state: undefined }),
      },
      ...(configProblem ? { config: { problem: configProblem.message, details: configProblem.details } } : {}),
    });
    return 0;
  }
  const enabled = configProblem
    ? "settings unknown: the config does not load here (below)"
    : section?.enabled
    ? `enabled (dmPolicy ${settings.dmPolicy}, ${settings.allowFrom.length} allowed number${settings.allowFrom.length === 1 ? "" : "s"}, groups ${settings.groups.enabled ? `on (${settings.groups.allow.length} allowed)` : "off"})`
    : "disabled (channels.whatsapp.enabled)";
  writeLine(io.stdout, `whatsapp: ${enabled}`);
  // The config's problem goes last, after all the state dir says.
  const close = (): number => {
    if (configProblem) {
      writeLine(io.stdout, `config: does not load here: ${configProblem.message}`);
      for (const line of configProblem.details) writeLine(io.stdout, `  ${line}`);
    }
    return 0;
  };
  writeLine(io.stdout, `  linked: ${linked ? `yes${status?.account ? ` (${status.account})` : ""}` : `no — run \`${commandLine(io, "channels login whatsapp")}\``}`);
  if (!status) {
    writeLine(io.stdout, "  connection: never started");
    return close();
  }
  const since = localTime(status.since);
  const why = status.reason ? ` — ${status.reason}` : "";
  const by = status.writer === "login" ? ` (by \`${commandLine(io, "channels login whatsapp")}\`, pid ${status.pid})` : "";
  if (status.state === "stopped" || status.state === "logged-out") writeLine(io.stdout, `  connection: ${status.state} since ${since}${why}`);
  else if (live) writeLine(io.stdout, `  connection: ${status.state} since ${since}${by}${why}`);
  else writeLine(io.stdout, `  connection: not running (${writerName(status)}, pid ${status.pid}, exited; it was ${status.state} since ${since}${why})`);
  return close();
}

/** Exit code of `hearth channels login whatsapp` ended by Ctrl+C (128 + SIGINT, as shells report it). */
export const LOGIN_CANCELLED_EXIT = 130;

/**
 * `hearth channels login whatsapp`: links this device by QR code in the terminal. Keeps trying (with
 * backoff, showing each new code) until linked, Ctrl+C (exit 130), or the login's time is up (exit 1).
 */
export async function channelsLogin(io: CliIo, _options: GlobalOptions, channel: string): Promise<number> {
  checkChannel(channel);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  if (isLinked(state)) {
    writeLine(io.stdout, `WhatsApp is already linked (credentials in ${whatsappPaths(state).credentials}); \`${commandLine(io, "channels logout whatsapp")}\` unlinks it first.`);
    return 0;
  }
  const qrcode = (await import("qrcode-terminal")).default;
  const logger = stderrLogger(io);
  const minutes = Math.round(LOGIN_TIMEOUT_MS / 60_000);
  writeLine(io.stdout, `On your phone: WhatsApp → Settings → Linked devices → Link a device, then scan (trying for up to ${minutes} minutes; Ctrl+C stops):`);
  const cancel = new AbortController();
  const onSigint = (): void => cancel.abort();
  process.on("SIGINT", onSigint);
  let result: LinkResult;
  try {
    result = await linkAccount({
      stateDir: state,
      socketFactory: baileysSocketFactory(logger),
      logger,
      signal: cancel.signal,
      onQr: (qr) => qrcode.generate(qr, { small: true }, (text) => writeLine(io.stdout, text)),
    });
  } finally {
    process.off("SIGINT", onSigint);
  }
  const again = `run \`${commandLine(io, "channels login whatsapp")}\` again`;
  switch (result.outcome) {
    case "linked":
      writeLine(io.stdout, `Linked${result.account ? ` as ${result.account}` : ""}. The gateway answers on WhatsApp once channels.whatsapp.enabled is true.`);
      return 0;
    case "cancelled":
      writeLine(io.stderr, "hearth: login cancelled: nothing was linked.");
      return LOGIN_CANCELLED_EXIT;
    case "timed-out":
      throw new HearthError("runtime", `WhatsApp login gave up: ${result.reason}; nothing was linked`, [`check that this machine can reach WhatsApp (web.whatsapp.com), then ${again}`]);
    case "ended":
      throw new HearthError("runtime", `WhatsApp linking failed: ${result.reason}`, [again]);
  }
}

/** `hearth channels logout whatsapp`: unlinks the device and removes its credentials. */
export async function channelsLogout(io: CliIo, _options: GlobalOptions, channel: string): Promise<number> {
  checkChannel(channel);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  if (!isLinked(state)) {
    writeLine(io.stdout, "WhatsApp is not linked: nothing to do.");
    return 0;
  }
  const { phoneTold } = await unlinkAccount({ stateDir: state, socketFactory: baileysSocketFactory(stderrLogger(io)) });
  writeStatus(whatsappPaths(state).status, { state: "logged-out", since: new Date().toISOString(), reason: "unlinked by `hearth channels logout whatsapp`", pid: process.pid });
  writeLine(io.stdout, "WhatsApp credentials removed.");
  if (!phoneTold) writeLine(io.stdout, "WhatsApp could not be reached: also remove hearth under Linked devices on your phone.");
  return 0;
}

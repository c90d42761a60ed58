import { isLinked, linkAccount, unlinkAccount } from "../../channels/whatsapp/account.js";
import { baileysSocketFactory } from "../../channels/whatsapp/baileys-socket.js";
import type { ChannelLogger } from "../../channels/whatsapp/connection.js";
import { whatsappSettings } from "../../channels/whatsapp/settings.js";
import { whatsappPaths } from "../../channels/whatsapp/state-paths.js";
import { readStatus, writeStatus, writerRunning } from "../../channels/whatsapp/status-file.js";
import { loadConfig } from "../../config/load.js";
import { stateDir } from "../../config/paths.js";
import { HearthError } from "../../shared/errors.js";
import { commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

const CHANNELS = ["whatsapp"] as const;

function checkChannel(name: string): void {
  if (!(CHANNELS as readonly string[]).includes(name)) throw new HearthError("usage", `unknown channel "${name}" (channels: ${CHANNELS.join(", ")})`);
}

function stderrLogger(io: CliIo): ChannelLogger {
  return { info: () => undefined, warn: (line) => writeLine(io.stderr, `hearth: ${line}`) };
}

/** `hearth channels status [--json]`: linked / connected / reconnecting, since when and why — read from the state dir, no gateway needed. */
export function channelsStatus(io: CliIo, options: GlobalOptions): number {
  const loaded = loadConfig({ env: io.env, cwd: io.cwd, flag: options.config, command: io.command });
  const section = loaded.config.channels?.whatsapp;
  const settings = whatsappSettings(section);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  const linked = isLinked(state);
  const status = readStatus(whatsappPaths(state).status);
  const live = status ? writerRunning(status) : false;
  if (options.json) {
    writeJson(io, {
      whatsapp: {
        enabled: section?.enabled ?? false,
        dmPolicy: settings.dmPolicy,
        allowFrom: settings.allowFrom.length,
        groups: settings.groups.enabled,
        linked,
        ...(status ? { state: status.state, since: status.since, reason: status.reason, account: status.account, running: live } : { state: undefined }),
      },
    });
    return 0;
  }
  const enabled = section?.enabled
    ? `enabled (dmPolicy ${settings.dmPolicy}, ${settings.allowFrom.length} allowed number${settings.allowFrom.length === 1 ? "" : "s"}, groups ${settings.groups.enabled ? `on (${settings.groups.allow.length} allowed)` : "off"})`
    : "disabled (channels.whatsapp.enabled)";
  writeLine(io.stdout, `whatsapp: ${enabled}`);
  writeLine(io.stdout, `  linked: ${linked ? `yes${status?.account ? ` (${status.account})` : ""}` : `no — run \`${commandLine(io, "channels login whatsapp")}\``}`);
  if (!status) {
    writeLine(io.stdout, "  connection: never started");
    return 0;
  }
  const since = status.since.slice(0, 16).replace("T", " ");
  const why = status.reason ? ` — ${status.reason}` : "";
  if (status.state === "stopped" || status.state === "logged-out" || live) writeLine(io.stdout, `  connection: ${status.state} since ${since} UTC${why}`);
  else writeLine(io.stdout, `  connection: not running (the gateway, pid ${status.pid}, exited; it was ${status.state} since ${since} UTC${why})`);
  return 0;
}

/** `hearth channels login whatsapp`: links this device by QR code in the terminal. */
export async function channelsLogin(io: CliIo, _options: GlobalOptions, channel: string): Promise<number> {
  checkChannel(channel);
  const state = stateDir({ env: io.env, cwd: io.cwd });
  if (isLinked(state)) {
    writeLine(io.stdout, `WhatsApp is already linked (credentials in ${whatsappPaths(state).credentials}); \`${commandLine(io, "channels logout whatsapp")}\` unlinks it first.`);
    return 0;
  }
  const qrcode = (await import("qrcode-terminal")).default;
  const logger = stderrLogger(io);
  writeLine(io.stdout, "On your phone: WhatsApp → Settings → Linked devices → Link a device, then scan:");
  try {
    const { account } = await linkAccount({
      stateDir: state,
      socketFactory: baileysSocketFactory(logger),
      logger,
      onQr: (qr) => qrcode.generate(qr, { small: true }, (text) => writeLine(io.stdout, text)),
    });
    writeLine(io.stdout, `Linked${account ? ` as ${account}` : ""}. The gateway answers on WhatsApp once channels.whatsapp.enabled is true.`);
    return 0;
  } catch (error) {
    throw new HearthError("runtime", `WhatsApp linking failed: ${error instanceof Error ? error.message : String(error)}`, [`run \`${commandLine(io, "channels login whatsapp")}\` again`]);
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

import { chmodSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ChannelLogger } from "./connection.js";
import type { SocketFactory, WhatsAppSocket } from "./socket.js";

/** Credentials stay owner-only: the directory 0700, each file Baileys writes 0600. */
function tighten(authDir: string): void {
  chmodSync(authDir, 0o700);
  for (const name of readdirSync(authDir)) chmodSync(join(authDir, name), 0o600);
}

/** Baileys' logger interface (pino's shape), its lines going to the channel's warnings only when they matter. */
function baileysLogger(logger: ChannelLogger) {
  const quiet = (): void => undefined;
  const text = (value: unknown, message?: string): string => message ?? (typeof value === "string" ? value : JSON.stringify(value));
  const instance = {
    level: "warn",
    child: () => instance,
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: (value: unknown, message?: string) => logger.warn(`whatsapp (baileys): ${text(value, message)}`),
    error: (value: unknown, message?: string) => logger.warn(`whatsapp (baileys): ${text(value, message)}`),
  };
  return instance;
}

/**
 * The real socket: Baileys (loaded here, only when the channel is enabled) with its multi-file auth
 * state in `authDir`.
 */
export function baileysSocketFactory(logger: ChannelLogger): SocketFactory {
  return async ({ authDir }) => {
    const baileys = await import("baileys");
    mkdirSync(authDir, { recursive: true, mode: 0o700 });
    const { state, saveCreds } = await baileys.useMultiFileAuthState(authDir);
    tighten(authDir);
    const socket = baileys.makeWASocket({
      auth: state,
      logger: baileysLogger(logger),
      browser: baileys.Browsers.macOS("hearth"),
      markOnlineOnConnect: false,
      syncFullHistory: false,
    });
    socket.ev.on("creds.update", () => {
      saveCreds()
        .then(() => tighten(authDir))
        .catch((error: unknown) => logger.warn(`whatsapp: could not save credentials in ${authDir}: ${error instanceof Error ? error.message : String(error)}`));
    });
    const adapted: WhatsAppSocket = {
      ev: { on: (event, listener) => socket.ev.on(event, listener as never) },
      get user() {
        return socket.user ? { id: socket.user.id, lid: socket.user.lid } : undefined;
      },
      sendMessage: (jid, content) => socket.sendMessage(jid, content),
      sendPresenceUpdate: (type, jid) => socket.sendPresenceUpdate(type, jid),
      readMessages: (keys) => socket.readMessages(keys.map((key) => ({ ...key, remoteJid: key.remoteJid ?? null, id: key.id ?? null }))),
      downloadMedia: (message) =>
        baileys.downloadMediaMessage(message as never, "buffer", {}, { logger: baileysLogger(logger) as never, reuploadRequest: (update) => socket.updateMediaMessage(update) }),
      end: (error) => socket.end(error),
      logout: () => socket.logout(),
    };
    return adapted;
  };
}

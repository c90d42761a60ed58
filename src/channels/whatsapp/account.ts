import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { systemClock, type Clock } from "../../shared/clock.js";
import { WhatsAppConnection, type ChannelLogger } from "./connection.js";
import type { SocketFactory } from "./socket.js";
import { whatsappPaths } from "./state-paths.js";

/** Linked: Baileys' credentials are in the state dir (useMultiFileAuthState keeps them in creds.json). */
export function isLinked(stateDir: string): boolean {
  return existsSync(join(whatsappPaths(stateDir).credentials, "creds.json"));
}

export interface LinkOptions {
  stateDir: string;
  socketFactory: SocketFactory;
  logger: ChannelLogger;
  /** Each QR code to show (they change every ~20 s until scanned). */
  onQr: (qr: string) => void;
  clock?: Clock | undefined;
}

/**
 * `hearth channels login whatsapp`: connects, shows QR codes until the phone links this device, and
 * resolves with the account once the connection is open; rejects when it ends for good.
 */
export function linkAccount(options: LinkOptions): Promise<{ account: string | undefined }> {
  return new Promise((resolve, reject) => {
    const connection: WhatsAppConnection = new WhatsAppConnection({
      factory: options.socketFactory,
      authDir: whatsappPaths(options.stateDir).credentials,
      statusFile: whatsappPaths(options.stateDir).status,
      clock: options.clock ?? systemClock,
      random: Math.random,
      logger: options.logger,
      onSocket: () => undefined,
      onQr: options.onQr,
      onState: (state, reason) => {
        if (state === "connected") {
          const account = connection.state?.account;
          connection.stop("linked by `hearth channels login whatsapp`; the gateway connects next");
          resolve({ account });
        } else if (state === "logged-out" || state === "stopped") {
          reject(new Error(reason ?? state));
        }
      },
    });
    void connection.start();
  });
}

/**
 * `hearth channels logout whatsapp`: unlinks the device from the phone when a connection can be made,
 * and removes the credentials either way. Returns whether the phone was told.
 */
export async function unlinkAccount(options: { stateDir: string; socketFactory: SocketFactory }): Promise<{ phoneTold: boolean }> {
  const credentials = whatsappPaths(options.stateDir).credentials;
  let phoneTold = false;
  try {
    const socket = await options.socketFactory({ authDir: credentials });
    phoneTold = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      socket.ev.on("connection.update", (update) => {
        if (update.connection === "open") {
          socket
            .logout()
            .then(() => resolve(true))
            .catch(() => resolve(false))
            .finally(() => clearTimeout(timer));
        } else if (update.connection === "close") {
          clearTimeout(timer);
          resolve(false);
        }
      });
    });
    socket.end(undefined);
  } catch {
    phoneTold = false;
  }
  rmSync(credentials, { recursive: true, force: true });
  return { phoneTold };
}

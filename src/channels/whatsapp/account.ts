import { rmSync } from "node:fs";
import { systemClock, type Clock } from "../../shared/clock.js";
import { WhatsAppConnection, type Backoff, type ChannelLogger } from "./connection.js";
import type { SocketFactory } from "./socket.js";
import { whatsappPaths } from "./state-paths.js";

/** Linked: Baileys' credentials are in the state dir (useMultiFileAuthState keeps them in creds.json). Kept in state-paths.ts, which the gateway reads without loading the connection code. */
export { isLinked } from "./state-paths.js";

export interface LinkOptions {
  stateDir: string;
  socketFactory: SocketFactory;
  logger: ChannelLogger;
  /** Each QR code to show (they change every ~20 s until scanned). */
  onQr: (qr: string) => void;
  /** Ends the attempt (Ctrl+C): it settles as "cancelled", nothing linked. */
  signal?: AbortSignal | undefined;
  /** How long to keep trying before giving up (default {@link LOGIN_TIMEOUT_MS}). */
  timeoutMs?: number | undefined;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
  backoff?: Backoff | undefined;
}

/** How long `hearth channels login whatsapp` keeps trying (connecting, reconnecting, showing codes) before it gives up. */
export const LOGIN_TIMEOUT_MS = 10 * 60_000;

export type LinkResult =
  | { outcome: "linked"; account: string | undefined }
  /** Ctrl+C, the time ran out, or WhatsApp ended it for good (logged out, forbidden, replaced): nothing was linked. */
  | { outcome: "cancelled" | "timed-out" | "ended"; reason: string };

/**
 * `hearth channels login whatsapp`: connects, shows QR codes until the phone links this device, and
 * settles with the account once the connection is open. Without a network it keeps reconnecting with
 * backoff (showing each new code when one comes) until linked, cancelled, ended by WhatsApp, or
 * `timeoutMs` has passed. The attempt holds the process open while it runs: the connection's own
 * timers do not (the gateway's server does that for it), and a socket that failed holds nothing.
 */
export function linkAccount(options: LinkOptions): Promise<LinkResult> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? LOGIN_TIMEOUT_MS;
  return new Promise((resolve) => {
    // A referenced handle: the process waits for this attempt to settle, whatever the socket does.
    const hold = setInterval(() => undefined, 60_000);
    let settled = false;
    /** Why the last connection failed, for the message when the time is up. */
    let lastFailure: string | undefined;
    const settle = (result: LinkResult, stopReason?: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(hold);
      deadline.cancel();
      options.signal?.removeEventListener("abort", onAbort);
      if (stopReason) connection.stop(stopReason);
      resolve(result);
    };
    const connection: WhatsAppConnection = new WhatsAppConnection({
      factory: options.socketFactory,
      authDir: whatsappPaths(options.stateDir).credentials,
      statusFile: whatsappPaths(options.stateDir).status,
      clock,
      random: options.random ?? Math.random,
      logger: options.logger,
      backoff: options.backoff,
      writer: "login",
      onSocket: () => undefined,
      onQr: options.onQr,
      onState: (state, reason) => {
        if (state === "reconnecting") lastFailure = reason?.split(";")[0];
        if (state === "connected") {
          settle({ outcome: "linked", account: connection.state?.account }, "linked by `hearth channels login whatsapp`; the gateway connects next");
        } else if (state === "logged-out" || state === "stopped") {
          settle({ outcome: "ended", reason: reason ?? state });
        }
      },
    });
    const minutes = Math.round(timeoutMs / 60_000);
    const deadline = clock.setTimeout(() => {
      const within = minutes >= 1 ? `${minutes} minute${minutes === 1 ? "" : "s"}` : `${Math.ceil(timeoutMs / 1000)} s`;
      const reason = connection.state?.state === "waiting-for-scan" ? `no QR code was scanned within ${within}` : `could not reach WhatsApp within ${within} (last: ${lastFailure ?? "no answer"})`;
      settle({ outcome: "timed-out", reason }, `login gave up: ${reason}; nothing was linked`);
    }, timeoutMs);
    const onAbort = (): void => settle({ outcome: "cancelled", reason: "cancelled" }, "login cancelled; nothing was linked");
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });
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

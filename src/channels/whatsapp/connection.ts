import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../shared/clock.js";
import { numberOfJid } from "./inbound.js";
import { noNetwork } from "./no-network.js";
import { DISCONNECT_REASONS, type ConnectionUpdate, type SocketFactory, type WhatsAppSocket } from "./socket.js";
import { writeStatus, type ChannelStatus, type ConnectionState, type StatusWriter } from "./status-file.js";

/** Lines for the gateway's log; the composition root passes its structured logger's methods. */
export interface ChannelLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 2_000, maxMs: 5 * 60_000 };

/** The wait before reconnect attempt `attempt` (0-based): doubling up to the cap, ±25% jitter so many clients do not return at once. */
export function reconnectDelay(attempt: number, backoff: Backoff, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.75 + random() * 0.5));
}

export interface ConnectionOptions {
  factory: SocketFactory;
  authDir: string;
  statusFile: string;
  clock: Clock;
  random: () => number;
  logger: ChannelLogger;
  /** Which command keeps this connection (written to the status file); default the gateway. */
  writer?: StatusWriter | undefined;
  backoff?: Backoff | undefined;
  /** Each new socket, to attach the message handlers. */
  onSocket: (socket: WhatsAppSocket) => void;
  /** A QR code to show (login). */
  onQr?: ((qr: string) => void) | undefined;
  /** The connection opened, or ended for good (logged out, replaced, forbidden, stopped). */
  onState?: ((state: ConnectionState, reason: string | undefined) => void) | undefined;
}

/** Close codes after which reconnecting cannot help: the account is gone or another session took over. */
const FINAL_CODES = new Set([401, 403, 440]);

/**
 * One WhatsApp connection kept up: reconnects after network loss with backoff and jitter, and stops
 * for good when logged out (credentials removed, status says so, no reconnect loop). Every state is
 * written to the status file for `hearth channels status`.
 */
export class WhatsAppConnection {
  private current: WhatsAppSocket | undefined;
  private attempt = 0;
  private retryTimer: { cancel(): void } | undefined;
  private stopped = false;
  private status: ChannelStatus | undefined;
  /** Whether credentials were on disk when the current socket opened: then a link code is never something to scan. */
  private linked = false;

  constructor(private readonly options: ConnectionOptions) {}

  get socket(): WhatsAppSocket | undefined {
    return this.current;
  }

  get state(): ChannelStatus | undefined {
    return this.status;
  }

  async start(): Promise<void> {
    this.setStatus("connecting", { reason: this.attempt === 0 ? undefined : `attempt ${this.attempt + 1}` });
    this.linked = existsSync(join(this.options.authDir, "creds.json"));
    let socket: WhatsAppSocket;
    try {
      socket = await this.options.factory({ authDir: this.options.authDir });
    } catch (error) {
      this.scheduleReconnect({ reason: `could not open a connection: ${error instanceof Error ? error.message : String(error)}`, offline: noNetwork(error) });
      return;
    }
    if (this.stopped) {
      socket.end(undefined);
      return;
    }
    this.current = socket;
    socket.ev.on("connection.update", (update) => this.onUpdate(socket, update));
    this.options.onSocket(socket);
  }

  /** Closes the connection and writes "stopped"; no reconnect follows. */
  stop(reason = "the gateway stopped"): void {
    if (this.stopped) return;
    this.stopped = true;
    this.retryTimer?.cancel();
    this.current?.end(undefined);
    this.current = undefined;
    if (this.status?.state !== "logged-out") this.setStatus("stopped", { reason });
  }

  private onUpdate(socket: WhatsAppSocket, update: ConnectionUpdate): void {
    if (socket !== this.current || this.stopped) return;
    if (update.qr && this.linked) {
      // Credentials on disk and still a link code: they did not log in. Scanning a code is for linking, which this is not.
      this.setStatus("waiting-for-scan", { reason: `the saved credentials did not log in (WhatsApp offered a new link code instead): unlink with \`hearth channels logout whatsapp\`, then link again` });
    } else if (update.qr) {
      this.setStatus("waiting-for-scan", { reason: "scan the QR code with WhatsApp → Linked devices" });
      this.options.onQr?.(update.qr);
    }
    if (update.connection === "open") {
      this.attempt = 0;
      const account = numberOfJid(socket.user?.id);
      this.setStatus("connected", { account });
      this.options.logger.info(`whatsapp: connected${account ? ` as ${account}` : ""}`);
    } else if (update.connection === "close") {
      this.current = undefined;
      this.onClose(update.lastDisconnect?.error);
    }
  }

  private onClose(error: NonNullable<ConnectionUpdate["lastDisconnect"]>["error"]): void {
    const code = error?.output?.statusCode;
    const reason = (code !== undefined ? DISCONNECT_REASONS[code] : undefined) ?? `connection closed${code !== undefined ? ` (code ${code})` : ""}`;
    if (code === 401) {
      // Logged out from the phone: these credentials will never work again; keeping them would loop.
      rmSync(this.options.authDir, { recursive: true, force: true });
      this.stopped = true;
      this.setStatus("logged-out", { reason: `${reason}; credentials removed — run \`hearth channels login whatsapp\` to link again` });
      this.options.logger.warn(`whatsapp: ${reason}; credentials removed, not reconnecting`);
      return;
    }
    if (code !== undefined && FINAL_CODES.has(code)) {
      this.stopped = true;
      this.setStatus("stopped", { reason: `${reason}; not reconnecting (restart the gateway to connect again)` });
      this.options.logger.warn(`whatsapp: ${reason}; not reconnecting`);
      return;
    }
    if (code === 515) {
      // Expected right after a QR scan: reconnect at once.
      void this.start();
      return;
    }
    this.scheduleReconnect({ reason, offline: noNetwork(error) });
  }

  /** `offline`: the network error behind it (this machine has no network), said as such rather than as a lost connection. */
  private scheduleReconnect(why: { reason: string; offline: string | undefined }): void {
    if (this.stopped) return;
    const delay = reconnectDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.attempt += 1;
    const seconds = Math.ceil(delay / 1000);
    if (why.offline) {
      this.setStatus("reconnecting", { reason: `no network — reconnecting (try ${this.attempt}, next in ${seconds} s)`, cause: "no-network" });
      this.options.logger.warn(`whatsapp: no network (${why.offline}); reconnecting in ${seconds} s`);
    } else {
      this.setStatus("reconnecting", { reason: `${why.reason}; next try in ${seconds} s (attempt ${this.attempt})` });
      this.options.logger.warn(`whatsapp: ${why.reason}; reconnecting in ${seconds} s`);
    }
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, delay);
  }

  private setStatus(state: ConnectionState, details: { reason?: string | undefined; account?: string | undefined; cause?: ChannelStatus["cause"] } = {}): void {
    const { reason, account, cause } = details;
    const changed = this.status?.state !== state;
    this.status = {
      state,
      since: changed || !this.status ? new Date(this.options.clock.now()).toISOString() : this.status.since,
      ...(reason ? { reason } : {}),
      ...(cause ? { cause } : {}),
      ...((account ?? this.status?.account) ? { account: account ?? this.status?.account } : {}),
      pid: process.pid,
      writer: this.options.writer ?? "gateway",
    };
    // The status file is for `hearth channels status`: one that cannot be written (a full disk) is logged, and the connection goes on.
    try {
      writeStatus(this.options.statusFile, this.status);
    } catch (error) {
      this.options.logger.warn(`whatsapp: cannot record the channel's state (${state}): ${error instanceof Error ? error.message : String(error)}`);
    }
    this.options.onState?.(state, reason);
  }
}

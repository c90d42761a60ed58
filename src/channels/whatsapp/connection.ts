import { rmSync } from "node:fs";
import type { Clock } from "../../shared/clock.js";
import { numberOfJid } from "./inbound.js";
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

  constructor(private readonly options: ConnectionOptions) {}

  get socket(): WhatsAppSocket | undefined {
    return this.current;
  }

  get state(): ChannelStatus | undefined {
    return this.status;
  }

  async start(): Promise<void> {
    this.setStatus("connecting", this.attempt === 0 ? undefined : `attempt ${this.attempt + 1}`);
    let socket: WhatsAppSocket;
    try {
      socket = await this.options.factory({ authDir: this.options.authDir });
    } catch (error) {
      this.scheduleReconnect(`could not open a connection: ${error instanceof Error ? error.message : String(error)}`);
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
    if (this.status?.state !== "logged-out") this.setStatus("stopped", reason);
  }

  private onUpdate(socket: WhatsAppSocket, update: ConnectionUpdate): void {
    if (socket !== this.current || this.stopped) return;
    if (update.qr) {
      this.setStatus("waiting-for-scan", "scan the QR code with WhatsApp → Linked devices");
      this.options.onQr?.(update.qr);
    }
    if (update.connection === "open") {
      this.attempt = 0;
      const account = numberOfJid(socket.user?.id);
      this.setStatus("connected", undefined, account);
      this.options.logger.info(`whatsapp: connected${account ? ` as ${account}` : ""}`);
    } else if (update.connection === "close") {
      this.current = undefined;
      this.onClose(update.lastDisconnect?.error?.output?.statusCode);
    }
  }

  private onClose(code: number | undefined): void {
    const reason = (code !== undefined ? DISCONNECT_REASONS[code] : undefined) ?? `connection closed${code !== undefined ? ` (code ${code})` : ""}`;
    if (code === 401) {
      // Logged out from the phone: these credentials will never work again; keeping them would loop.
      rmSync(this.options.authDir, { recursive: true, force: true });
      this.stopped = true;
      this.setStatus("logged-out", `${reason}; credentials removed — run \`hearth channels login whatsapp\` to link again`);
      this.options.logger.warn(`whatsapp: ${reason}; credentials removed, not reconnecting`);
      return;
    }
    if (code !== undefined && FINAL_CODES.has(code)) {
      this.stopped = true;
      this.setStatus("stopped", `${reason}; not reconnecting (restart the gateway to connect again)`);
      this.options.logger.warn(`whatsapp: ${reason}; not reconnecting`);
      return;
    }
    if (code === 515) {
      // Expected right after a QR scan: reconnect at once.
      void this.start();
      return;
    }
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped) return;
    const delay = reconnectDelay(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.options.random);
    this.attempt += 1;
    this.setStatus("reconnecting", `${reason}; next try in ${Math.ceil(delay / 1000)} s (attempt ${this.attempt})`);
    this.options.logger.warn(`whatsapp: ${reason}; reconnecting in ${Math.ceil(delay / 1000)} s`);
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, delay);
  }

  private setStatus(state: ConnectionState, reason: string | undefined, account?: string): void {
    const changed = this.status?.state !== state;
    this.status = {
      state,
      since: changed || !this.status ? new Date(this.options.clock.now()).toISOString() : this.status.since,
      ...(reason ? { reason } : {}),
      ...((account ?? this.status?.account) ? { account: account ?? this.status?.account } : {}),
      pid: process.pid,
      writer: this.options.writer ?? "gateway",
    };
    writeStatus(this.options.statusFile, this.status);
    this.options.onState?.(state, reason);
  }
}

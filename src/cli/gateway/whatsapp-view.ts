import type { ChannelView } from "../../channels/http/api-routes.js";
import { isLinked, whatsappPaths } from "../../channels/whatsapp/state-paths.js";
import { readStatus } from "../../channels/whatsapp/status-file.js";

/** WhatsApp shows a new code about every 20 s; one older than this was replaced or the link attempt ended. */
const QR_FRESH_MS = 60_000;

/**
 * WhatsApp for the web chat's status panel: enabled in the config, linked, the state its status file
 * last said, and — while the running channel waits for a scan — the latest QR code to link it with.
 * The code lives only in this process's memory: never in a file or a log line.
 */
export class WhatsAppView {
  private qr: { code: string; at: number } | undefined;

  constructor(private readonly options: { stateDir: string; enabled: () => boolean; clock?: () => number }) {}

  /** The channel's `onQr`. */
  readonly onQr = (code: string): void => {
    this.qr = { code, at: this.now() };
  };

  view(): ChannelView {
    const { stateDir } = this.options;
    const status = readStatus(whatsappPaths(stateDir).status);
    const linked = isLinked(stateDir);
    const enabled = this.options.enabled();
    const waiting = enabled && !linked && status?.state === "waiting-for-scan";
    const fresh = this.qr !== undefined && this.now() - this.qr.at < QR_FRESH_MS;
    if (!waiting) this.qr = undefined;
    return { id: "whatsapp", enabled, linked, state: status?.state ?? null, since: status?.since ?? null, reason: status?.reason ?? null, qr: waiting && fresh && this.qr ? this.qr.code : null };
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

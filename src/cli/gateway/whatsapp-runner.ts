import type { WhatsAppGateway } from "../../channels/whatsapp/gateway.js";
import type { SocketFactory } from "../../channels/whatsapp/socket.js";
import type { RunningWhatsApp } from "../../channels/whatsapp/start.js";
import { isLinked, whatsappPaths } from "../../channels/whatsapp/state-paths.js";
import { readStatus, type ConnectionState } from "../../channels/whatsapp/status-file.js";
import type { HearthConfig, WhatsAppSection } from "../../config/schema/index.js";
import { commandLine, writeLine, type CliIo } from "../io.js";
import type { GatewayLog } from "./logger.js";

export interface WhatsAppRunnerOptions {
  io: CliIo;
  port: WhatsAppGateway;
  stateDir: string;
  logger: GatewayLog["logger"];
  /** Each QR code while not linked (the web chat's status panel). */
  onQr: (qr: string) => void;
  /** The socket (tests: the Baileys stand-in); default Baileys itself. */
  socketFactory?: SocketFactory | undefined;
}

/** The keys of `channels.whatsapp` that differ between two configs (`enabled` aside). */
function changedKeys(before: WhatsAppSection | undefined, after: WhatsAppSection | undefined): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  keys.delete("enabled");
  const value = (section: WhatsAppSection | undefined, key: string): string => JSON.stringify((section as Record<string, unknown> | undefined)?.[key]);
  return [...keys].filter((key) => value(before, key) !== value(after, key)).sort();
}

/**
 * WhatsApp in `hearth gateway`: started when `channels.whatsapp.enabled` (Baileys is loaded only
 * then), at start and on every config reload that turns it on; stopped when a reload turns it off;
 * other `channels.whatsapp` changes handed to the running channel. The terminal hears what the user
 * must act on or would want to know — not linked (and how to link), connected, connection lost, no network,
 * logged out, stopped by WhatsApp — once per change, never per reconnect try (those are in the log).
 */
export class WhatsAppRunner {
  private running: RunningWhatsApp | undefined;
  private section: WhatsAppSection | undefined;
  /** Reloads apply one after another: a start still loading Baileys finishes before the next change. */
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  /** The last state the terminal was told ("no-network": reconnecting because this machine has no network). */
  private lastSaid: ConnectionState | "no-network" | undefined;

  constructor(private readonly options: WhatsAppRunnerOptions) {}

  /** The config at start or after a reload; resolves once it is in effect. */
  apply(config: HearthConfig, reason: "start" | "reload"): Promise<void> {
    // A start that failed (reported by its caller) does not hold up the changes after it.
    const next = this.queue.catch(() => undefined).then(() => this.applyNow(config, reason));
    this.queue = next;
    return next;
  }

  /** The gateway is stopping: disconnect (turns still running stay pending for the next start). */
  async stop(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.stopChannel();
  }

  private async applyNow(config: HearthConfig, reason: "start" | "reload"): Promise<void> {
    const section = config.channels?.whatsapp;
    const before = this.section;
    this.section = section;
    const enabled = section?.enabled ?? false;
    if (enabled && !this.running) {
      if (reason === "reload") this.say("info", "whatsapp: enabled in the config: starting");
      await this.startChannel(config);
    } else if (!enabled && this.running) {
      this.stopChannel("disabled in the config (channels.whatsapp.enabled)");
      this.say("info", "whatsapp: disabled in the config: stopped");
    } else if (this.running) {
      const changed = changedKeys(before, section);
      if (changed.length === 0) return;
      this.running.applyConfig(config);
      this.say("info", `whatsapp: ${changed.map((key) => `channels.whatsapp.${key}`).join(", ")} changed: in use from the next message`);
    }
  }

  private async startChannel(config: HearthConfig): Promise<void> {
    const { io, logger, stateDir } = this.options;
    const login = commandLine(io, "channels login whatsapp");
    this.stopping = false;
    this.lastSaid = undefined;
    if (!isLinked(stateDir)) writeLine(io.stdout, `whatsapp: not linked — scan the QR code on the web chat's status panel or run \`${login}\``);
    else writeLine(io.stdout, "whatsapp: linked; connecting");
    const { startWhatsApp } = await import("../../channels/whatsapp/start.js");
    this.running = await startWhatsApp({
      port: this.options.port,
      config,
      stateDir,
      onQr: this.options.onQr,
      socketFactory: this.options.socketFactory,
      secrets: this.options.io.secrets,
      loginCommand: login,
      onState: (state, why) => this.onState(state, why),
      logger: { info: (line) => logger.info({ channel: "whatsapp" }, line), warn: (line) => logger.warn({ channel: "whatsapp" }, line) },
    });
  }

  private stopChannel(reason?: string): void {
    this.stopping = true;
    this.running?.stop(reason);
    this.running = undefined;
  }

  /** The states worth a terminal line, each once until the state changes. */
  private onState(state: ConnectionState, why: string | undefined): void {
    if (this.stopping) return;
    const login = commandLine(this.options.io, "channels login whatsapp");
    const status = commandLine(this.options.io, "channels status");
    const offline = state === "reconnecting" ? readStatus(whatsappPaths(this.options.stateDir).status) : undefined;
    if (offline?.cause === "no-network") {
      // Linked and only the network missing: said once until it changes, with the first try's numbers; never "connection lost" or a code to scan.
      if (this.lastSaid === "no-network") return;
      this.lastSaid = "no-network";
      writeLine(this.options.io.stdout, `whatsapp: ${offline.reason ?? "no network — reconnecting"}; \`${status}\` shows each try`);
    } else if (state === "connected") {
      this.lastSaid = state;
      const account = readStatus(whatsappPaths(this.options.stateDir).status)?.account;
      writeLine(this.options.io.stdout, `whatsapp: connected${account ? ` as ${account}` : ""}`);
    } else if (state === "reconnecting" && this.lastSaid === "connected") {
      this.lastSaid = state;
      writeLine(this.options.io.stdout, `whatsapp: connection lost; reconnecting with backoff (\`${status}\` shows each try)`);
    } else if (state === "logged-out") {
      this.lastSaid = state;
      writeLine(this.options.io.stdout, `whatsapp: logged out from the phone; credentials removed — run \`${login}\` to link again`);
    } else if (state === "stopped") {
      this.lastSaid = state;
      writeLine(this.options.io.stdout, `whatsapp: stopped: ${why ?? "the connection ended"}`);
    }
  }

  private say(level: "info" | "warn", line: string): void {
    this.options.logger[level]({ channel: "whatsapp" }, line.replace(/^whatsapp: /, ""));
    writeLine(this.options.io.stdout, line);
  }
}

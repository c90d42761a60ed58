import type { HearthConfig } from "../../config/schema/index.js";
import type { WhatsAppGateway } from "./gateway.js";
import { isLinked } from "./account.js";
import { baileysSocketFactory } from "./baileys-socket.js";
import { WhatsAppChannel } from "./channel.js";
import type { ChannelLogger } from "./connection.js";
import { whatsappSettings } from "./settings.js";
import type { SocketFactory } from "./socket.js";
import type { ConnectionState } from "./status-file.js";
import type { TextMasker } from "./pending-store.js";

export interface StartWhatsAppOptions {
  port: WhatsAppGateway;
  config: HearthConfig;
  stateDir: string;
  logger: ChannelLogger;
  /** The socket; default Baileys with its auth state in `<stateDir>/credentials/whatsapp`. */
  socketFactory?: SocketFactory | undefined;
  /** Each QR code while the account is not linked (for a status page); the log says how to link either way. */
  onQr?: ((qr: string) => void) | undefined;
  /** Each connection state as written to the status file. */
  onState?: ((state: ConnectionState, reason: string | undefined) => void) | undefined;
  /** The login command as the user runs it, for the "not linked" line (default `hearth channels login whatsapp`). */
  loginCommand?: string | undefined;
  /** Masks secrets in what the channel keeps on disk (its waiting messages), as the session store does. */
  secrets?: TextMasker | undefined;
}

export interface RunningWhatsApp {
  /** A reloaded config's `channels.whatsapp`: applies from the next message (see WhatsAppChannel.applySettings). */
  applyConfig(config: HearthConfig): void;
  /** Disconnects; `reason` goes to the status file (default "the gateway stopped"). */
  stop(reason?: string): void;
}

/**
 * For the composition root (`hearth gateway`, which imports this module only when
 * `channels.whatsapp.enabled`): connects and answers until `stop()`.
 */
export async function startWhatsApp(options: StartWhatsAppOptions): Promise<RunningWhatsApp> {
  if (!isLinked(options.stateDir)) options.logger.warn(`whatsapp: not linked yet — run \`${options.loginCommand ?? "hearth channels login whatsapp"}\` (or scan the QR code on the web chat's status panel)`);
  const channel = new WhatsAppChannel({
    port: options.port,
    settings: whatsappSettings(options.config.channels?.whatsapp),
    stateDir: options.stateDir,
    socketFactory: options.socketFactory ?? baileysSocketFactory(options.logger),
    logger: options.logger,
    onQr: options.onQr,
    onState: options.onState,
    secrets: options.secrets,
  });
  await channel.start();
  return { applyConfig: (config) => channel.applySettings(whatsappSettings(config.channels?.whatsapp)), stop: (reason) => channel.stop(reason) };
}

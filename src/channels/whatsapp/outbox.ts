import type { Clock } from "../../shared/clock.js";
import type { ChannelLogger } from "./connection.js";
import { finalText } from "./final-text.js";
import { toWhatsAppFormatting } from "./format.js";
import { splitMessage } from "./message-split.js";
import type { WhatsAppSocket } from "./socket.js";

/** How often "typing…" is renewed while a turn runs (WhatsApp drops it after about ten seconds). */
const TYPING_RENEW_MS = 8_000;

/**
 * Everything the channel sends: replies (guarded, formatted, split), and "typing…" per chat while at
 * least one turn of it runs.
 */
export class Outbox {
  private readonly typing = new Map<string, { turns: number; renew: { cancel(): void } | undefined }>();

  constructor(
    private readonly options: {
      socket: () => WhatsAppSocket | undefined;
      clock: Clock;
      logger: ChannelLogger;
      chunkLimit: () => number;
      /** Each message sent, with the id WhatsApp gave it. */
      onSent?: ((chat: string, message: { id: string; text: string }) => void) | undefined;
    },
  ) {}

  /** Sends a reply: only final text, in WhatsApp's formatting, split at paragraphs. False: not connected, or a send failed. */
  async reply(chat: string, text: string): Promise<boolean> {
    return (await this.sendParts(chat, this.parts(text))) === undefined;
  }

  /** The messages a reply goes out as: only final text, in WhatsApp's formatting, split at paragraphs. */
  parts(text: string): string[] {
    return splitMessage(toWhatsAppFormatting(finalText(text)), this.options.chunkLimit());
  }

  /** Sends the parts in order: undefined when all went; else the parts from the first that did not (not connected, or its send failed). */
  async sendParts(chat: string, parts: readonly string[]): Promise<string[] | undefined> {
    const socket = this.options.socket();
    if (!socket) return [...parts];
    for (const [index, part] of parts.entries()) {
      try {
        const sent = await socket.sendMessage(chat, { text: part });
        const id = sent?.key?.id;
        if (id) this.options.onSent?.(chat, { id, text: part });
      } catch (error) {
        this.options.logger.warn(`whatsapp: could not send to ${chat}${parts.length > 1 ? ` (part ${index + 1} of ${parts.length})` : ""}: ${error instanceof Error ? error.message : String(error)}`);
        return parts.slice(index);
      }
    }
    return undefined;
  }

  startTyping(chat: string): void {
    const entry = this.typing.get(chat) ?? { turns: 0, renew: undefined };
    entry.turns += 1;
    this.typing.set(chat, entry);
    if (entry.turns === 1) this.renewTyping(chat);
  }

  stopTyping(chat: string): void {
    const entry = this.typing.get(chat);
    if (!entry) return;
    entry.turns -= 1;
    if (entry.turns > 0) return;
    entry.renew?.cancel();
    this.typing.delete(chat);
    this.presence("paused", chat);
  }

  private renewTyping(chat: string): void {
    const entry = this.typing.get(chat);
    if (!entry) return;
    this.presence("composing", chat);
    entry.renew = this.options.clock.setTimeout(() => this.renewTyping(chat), TYPING_RENEW_MS);
  }

  private presence(type: "composing" | "paused", chat: string): void {
    this.options
      .socket()
      ?.sendPresenceUpdate(type, chat)
      .catch((error: unknown) => this.options.logger.warn(`whatsapp: presence update failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

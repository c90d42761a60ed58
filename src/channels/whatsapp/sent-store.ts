import type { ChannelLogger } from "./connection.js";
import { isRecord, readJsonFile, writeJsonFile, writeJsonFileLater } from "./json-file.js";

/** One message the assistant sent: its WhatsApp id and its text as sent. */
export interface SentMessage {
  id: string;
  text: string;
}

/** The assistant's last messages kept per group. */
export const SENT_PER_CHAT = 50;
/** Groups kept at most (the least recently answered dropped first). */
export const SENT_CHATS = 100;
/** The start of a longer message is kept (what a reply to it gives the model as the message replied to). */
export const SENT_TEXT_LIMIT = 4000;
/**
 * How long after a message is recorded the file is written: the messages sent meanwhile go in one write,
 * off the event loop's thread (the file may hold SENT_CHATS × SENT_PER_CHAT texts); `flush` writes at the stop.
 */
const WRITE_DELAY_MS = 1_000;

interface SentState {
  chats: Record<string, SentMessage[]>;
}

function isSentMessage(value: unknown): value is SentMessage {
  return isRecord(value) && typeof value.id === "string" && typeof value.text === "string";
}

function isSentState(value: unknown): value is SentState {
  return isRecord(value) && isRecord(value.chats) && Object.values(value.chats).every((list) => Array.isArray(list) && list.every(isSentMessage));
}

/**
 * The ids and texts of the assistant's recent messages in groups, in a small file of the state dir
 * (it survives a restart). A group message counts as a reply to the assistant only when it quotes one
 * of these ids: `contextInfo.stanzaId`, `participant` and the quoted text are all written by the
 * sender's own client, so only an id the assistant's own send returned is evidence. Bounded:
 * {@link SENT_PER_CHAT} messages in each of {@link SENT_CHATS} groups.
 */
export class SentStore {
  /** Per chat, oldest first; the map's order is the chats' last use (read once, then kept here). */
  private chats: Map<string, SentMessage[]> | undefined;
  private writeFailed = false;
  /** The write waiting for WRITE_DELAY_MS; the one under way (writes never overlap). */
  private due: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Counts the writes begun: one begun later (the stop's) is not replaced by an earlier one ending after it. */
  private writes = 0;

  constructor(
    private readonly file: string,
    private readonly logger: ChannelLogger,
  ) {}

  /** The text the assistant sent as message `id` in `chat`; undefined when it sent no such message (or it is no longer kept). */
  text(chat: string, id: string): string | undefined {
    return this.loaded()
      .get(chat)
      ?.find((message) => message.id === id)?.text;
  }

  record(chat: string, message: SentMessage): void {
    const chats = this.loaded();
    const kept = [...(chats.get(chat) ?? []), { id: message.id, text: message.text.slice(0, SENT_TEXT_LIMIT) }].slice(-SENT_PER_CHAT);
    chats.delete(chat);
    chats.set(chat, kept);
    for (const oldest of chats.keys()) {
      if (chats.size <= SENT_CHATS) break;
      chats.delete(oldest);
    }
    if (this.due) return;
    this.due = setTimeout(() => {
      this.due = undefined;
      this.writing = this.writing.then(() => {
        const write = ++this.writes;
        return writeJsonFileLater(this.file, this.state(), () => write === this.writes).then(() => this.written(), (error: unknown) => this.written(error));
      });
    }, WRITE_DELAY_MS);
    this.due.unref();
  }

  /** Writes what is recorded and not written yet, now (the channel stops: a write still waiting would be lost). */
  flush(): void {
    if (!this.due) return;
    clearTimeout(this.due);
    this.due = undefined;
    this.writes++;
    try {
      writeJsonFile(this.file, this.state());
      this.written();
    } catch (error) {
      this.written(error);
    }
  }

  private state(): SentState {
    return { chats: Object.fromEntries(this.loaded()) };
  }

  /** A write ended: a failure is said once (the ids are kept in memory all the same: replies to them count until the gateway stops). */
  private written(error?: unknown): void {
    if (error === undefined) {
      this.writeFailed = false;
      return;
    }
    if (!this.writeFailed) this.logger.warn(`whatsapp: could not keep the ids of the assistant's messages in ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
    this.writeFailed = true;
  }

  private loaded(): Map<string, SentMessage[]> {
    if (this.chats) return this.chats;
    let state: SentState = { chats: {} };
    try {
      state = readJsonFile<SentState>(this.file, state, isSentState);
    } catch (error) {
      this.logger.warn(`whatsapp: could not read ${this.file} (replies to the assistant's earlier messages count from its next one): ${error instanceof Error ? error.message : String(error)}`);
    }
    this.chats = new Map(Object.entries(state.chats));
    return this.chats;
  }
}

import { isRecord, readJsonFile, writeJsonFile } from "./json-file.js";

/**
 * Messages taken in and not yet answered: written before the gateway is asked, removed once the
 * answer is sent. After a crash they are answered on start; while every model is down they wait
 * (`waitingSince`) for one to come back within the retry window.
 */
export interface PendingMessage {
  id: string;
  chat: string;
  session: string;
  /** What the session's transcript holds for it: for an image going to the model, its caption. */
  text: string;
  /**
   * An image message: the text with the image described in words, sent instead when the image
   * cannot go (its download failed, or a crash came before the message was saved with it).
   */
  described?: string | undefined;
  quoted?: string | undefined;
  /** A direct message's sender (E.164) as it came: who may talk is asked again before it is answered later (access.ts mayStillTalk). */
  number?: string | undefined;
  receivedAt: string;
  /** Set when no model could answer: the message waits for one to come back. */
  waitingSince?: string | undefined;
  /** The answer, when it could not be sent (not connected, or an answer before it in its chat still held): sent once it can be (held-answers.ts). */
  answer?: string | undefined;
  /** The parts of an answer still to send, as formatted for WhatsApp, when a send failed (those before them went). */
  answerParts?: string[] | undefined;
}

function isPendingList(value: unknown): value is PendingMessage[] {
  return Array.isArray(value) && value.every((item) => isRecord(item) && typeof item.id === "string" && typeof item.session === "string" && typeof item.chat === "string" && typeof item.text === "string");
}

/** What masks secrets in text (a SecretRedactor). */
export interface TextMasker {
  redact(text: string): string;
}

/** Keeps the messages on disk with every secret masked (a key a sender wrote is "***" here, as in the session). */
export class PendingStore {
  constructor(
    private readonly file: string,
    private readonly secrets?: TextMasker | undefined,
  ) {}

  list(): PendingMessage[] {
    return readJsonFile<PendingMessage[]>(this.file, [], isPendingList);
  }

  /** Adds the message, or replaces it where it stands. */
  put(message: PendingMessage): void {
    const list = this.list();
    const at = list.findIndex((item) => item.id === message.id);
    writeJsonFile(this.file, at === -1 ? [...list, this.masked(message)] : list.map((item, index) => (index === at ? this.masked(message) : item)));
  }

  remove(id: string): void {
    const list = this.list();
    if (list.some((item) => item.id === id)) writeJsonFile(this.file, list.filter((item) => item.id !== id));
  }

  private masked(message: PendingMessage): PendingMessage {
    const mask = (text: string | undefined): string | undefined => (text === undefined || !this.secrets ? text : this.secrets.redact(text));
    return { ...message, text: mask(message.text) ?? "", described: mask(message.described), quoted: mask(message.quoted), answer: mask(message.answer), answerParts: message.answerParts?.map((part) => mask(part) ?? "") };
  }
}

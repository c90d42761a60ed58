// An in-process stand-in for Baileys' socket (makeWASocket): `ev` with messages.upsert,
// connection.update and creds.update; sendMessage / sendPresenceUpdate / readMessages record what
// would be sent. Messages are built in the shapes of Baileys' WAMessage (proto.IWebMessageInfo with a
// WAMessageKey): conversation, extendedTextMessage with contextInfo (quotedMessage, isForwarded,
// mentionedJid, participant), imageMessage, audioMessage; groups as …@g.us with key.participant.
import { EventEmitter } from "node:events";
import type { ConnectionUpdate, SocketFactory, WhatsAppEvents, WhatsAppMessage, WhatsAppMessageKey, WhatsAppSocket } from "../../src/channels/whatsapp/socket.js";

export const ME_NUMBER = "15550001111";
export const ME_JID = `${ME_NUMBER}:7@s.whatsapp.net`;
export const ME_LID = "98765432101234:7@lid";

export interface Sent {
  jid: string;
  text: string;
}

export class FakeSocket implements WhatsAppSocket {
  private readonly emitter = new EventEmitter();
  readonly ev = {
    on: <E extends keyof WhatsAppEvents>(event: E, listener: (update: WhatsAppEvents[E]) => void): void => {
      this.emitter.on(event, listener);
    },
  };
  user: { id: string; lid?: string } | undefined = { id: ME_JID, lid: ME_LID };
  ended = false;
  loggedOut = false;

  constructor(
    readonly index: number,
    private readonly world: FakeWhatsApp,
  ) {}

  emit<E extends keyof WhatsAppEvents>(event: E, update: WhatsAppEvents[E]): void {
    this.emitter.emit(event, update);
  }

  /** Records the message; gives it back as Baileys does, with the id WhatsApp gave it. */
  async sendMessage(jid: string, content: { text: string }): Promise<WhatsAppMessage> {
    if (this.ended) throw new Error("Connection Closed");
    this.world.failIfAsked();
    this.world.sent.push({ jid, text: content.text });
    const id = `3EB0OUT${String(this.world.sent.length).padStart(13, "0")}`;
    this.world.sentIds.push(id);
    return { key: { remoteJid: jid, fromMe: true, id }, message: { conversation: content.text } };
  }

  async sendPresenceUpdate(type: "composing" | "paused" | "available" | "unavailable", jid?: string): Promise<void> {
    this.world.presence.push(`${type} ${jid ?? ""}`);
  }

  async readMessages(keys: WhatsAppMessageKey[]): Promise<void> {
    this.world.read.push(...keys.map((key) => key.id ?? ""));
  }

  /** Baileys' downloadMediaMessage: the bytes `image()` gave the message. */
  async downloadMedia(message: WhatsAppMessage): Promise<Buffer> {
    const bytes = this.world.media.get(message.key.id ?? "");
    if (bytes === "hang") return new Promise<Buffer>(() => undefined);
    if (typeof bytes === "number") return Buffer.alloc(bytes);
    if (!bytes) throw new Error("media not found");
    return bytes;
  }

  end(): void {
    this.ended = true;
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
  }
}

/** Every socket the channel opened, and everything they would have sent. */
export class FakeWhatsApp {
  readonly sockets: FakeSocket[] = [];
  readonly sent: Sent[] = [];
  /** The id of each message in `sent`, in the same order. */
  readonly sentIds: string[] = [];
  readonly presence: string[] = [];
  readonly read: string[] = [];
  readonly authDirs: string[] = [];
  /** The media of each message, by message id (what downloadMedia returns; "hang": a download that never ends). */
  readonly media = new Map<string, Buffer | number | "hang">();
  private counter = 0;
  /** Sends still to succeed before each one fails (undefined: sends work). */
  private sendsBeforeFailing: number | undefined;

  readonly factory: SocketFactory = async ({ authDir }) => {
    this.authDirs.push(authDir);
    const socket = new FakeSocket(this.sockets.length, this);
    this.sockets.push(socket);
    return socket;
  };

  /**
   * Sends fail from now on (after `succeeding` more go), with the socket still open — as Baileys' sendMessage
   * throws when its WebSocket is failing before any close is reported — until {@link sendsWork}.
   */
  failSends(succeeding = 0): void {
    this.sendsBeforeFailing = succeeding;
  }

  sendsWork(): void {
    this.sendsBeforeFailing = undefined;
  }

  /** Throws for a send that {@link failSends} makes fail. */
  failIfAsked(): void {
    if (this.sendsBeforeFailing === undefined) return;
    if (this.sendsBeforeFailing > 0) {
      this.sendsBeforeFailing -= 1;
      return;
    }
    throw Object.assign(new Error("Connection Closed"), { isBoom: true, output: { statusCode: 428 } });
  }

  get socket(): FakeSocket {
    const last = this.sockets.at(-1);
    if (!last) throw new Error("the channel opened no socket");
    return last;
  }

  open(): void {
    this.socket.emit("connection.update", { connection: "connecting" });
    this.socket.emit("connection.update", { connection: "open", receivedPendingNotifications: true } as ConnectionUpdate);
  }

  /** A close as Baileys reports it: a Boom error whose output.statusCode is the DisconnectReason. */
  close(statusCode: number): void {
    const error = Object.assign(new Error("Connection Failure"), { isBoom: true, output: { statusCode, payload: { statusCode, error: "Error", message: "Connection Failure" } } });
    this.socket.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
  }

  /**
   * No network, as Baileys reports it: the WebSocket's error (`getaddrinfo ENOTFOUND web.whatsapp.com`)
   * mapped to a Boom with 408 (getCodeFromWSError: any `E…` code) and the error as its `data`.
   */
  offline(code = "ENOTFOUND"): void {
    const cause = Object.assign(new Error(`getaddrinfo ${code} web.whatsapp.com`), { code, errno: -3008, syscall: "getaddrinfo", hostname: "web.whatsapp.com" });
    const error = Object.assign(new Error(`WebSocket Error (${cause.message})`), { isBoom: true, data: cause, output: { statusCode: 408, payload: { statusCode: 408, error: "Request Time-out", message: `WebSocket Error (${cause.message})` } } });
    this.socket.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
  }

  /** A link code offered (Baileys' `qr` update): what a device without working credentials is shown. */
  qr(code = "2@fake-link-code"): void {
    this.socket.emit("connection.update", { qr: code });
  }

  deliver(...messages: WhatsAppMessage[]): void {
    this.socket.emit("messages.upsert", { messages, type: "notify" });
  }

  private key(remoteJid: string, participant?: string): WhatsAppMessageKey {
    this.counter += 1;
    return { remoteJid, fromMe: false, id: `3EB0${String(this.counter).padStart(16, "0")}`, ...(participant ? { participant } : {}) };
  }

  /** A plain direct message (`conversation`). */
  text(number: string, text: string, name = "Sender"): WhatsAppMessage {
    return { key: this.key(`${number}@s.whatsapp.net`), message: { conversation: text }, pushName: name, messageTimestamp: 1_764_600_000 };
  }

  /** Baileys 7 addressing by LID: the phone-number jid comes as remoteJidAlt. */
  lidText(number: string, lid: string, text: string): WhatsAppMessage {
    const key = { ...this.key(`${lid}@lid`), remoteJidAlt: `${number}@s.whatsapp.net` };
    return { key, message: { conversation: text }, pushName: "Lid", messageTimestamp: 1_764_600_000 };
  }

  /** `extendedTextMessage`, replying to (quoting) another message. */
  reply(number: string, text: string, quoted: string, quotedFrom = `${number}@s.whatsapp.net`): WhatsAppMessage {
    return {
      key: this.key(`${number}@s.whatsapp.net`),
      message: { extendedTextMessage: { text, contextInfo: { stanzaId: "3EB0QUOTED", participant: quotedFrom, quotedMessage: { conversation: quoted } } } },
      pushName: "Sender",
    };
  }

  forwarded(number: string, text: string): WhatsAppMessage {
    return { key: this.key(`${number}@s.whatsapp.net`), message: { extendedTextMessage: { text, contextInfo: { isForwarded: true, forwardingScore: 1 } } }, pushName: "Sender" };
  }

  /** A group message: the chat is the group, the sender in key.participant; optionally @-mentioning jids. */
  group(groupJid: string, number: string, text: string, mentions: string[] = []): WhatsAppMessage {
    return {
      key: this.key(groupJid, `${number}@s.whatsapp.net`),
      message: mentions.length ? { extendedTextMessage: { text, contextInfo: { mentionedJid: mentions } } } : { conversation: text },
      pushName: `Member ${number.slice(-2)}`,
    };
  }

  /**
   * A group message replying to the assistant's last message in that group, as a member's client
   * writes it: the quoted message's id (stanzaId), its author, and a copy of its text — the one its
   * client shows, which a custom client may change (`quotedText`).
   */
  groupReplyToMe(groupJid: string, number: string, text: string, quotedText?: string): WhatsAppMessage {
    const index = this.sent.findLastIndex((item) => item.jid === groupJid);
    const id = this.sentIds[index];
    if (index < 0 || id === undefined) throw new Error(`the assistant sent nothing to ${groupJid} to reply to`);
    return this.quoting(groupJid, number, { text, stanzaId: id, quoted: quotedText ?? this.sent[index]?.text ?? "" });
  }

  /** A group message claiming to reply to the assistant (its jid as the quoted author) with a made-up id and quoted text: what a custom client can send. */
  forgedReplyToMe(groupJid: string, number: string, text: string, quotedText: string): WhatsAppMessage {
    return this.quoting(groupJid, number, { text, stanzaId: "3EB0FORGED000000000000", quoted: quotedText });
  }

  private quoting(groupJid: string, number: string, reply: { text: string; stanzaId: string; quoted: string }): WhatsAppMessage {
    return {
      key: this.key(groupJid, `${number}@s.whatsapp.net`),
      message: { extendedTextMessage: { text: reply.text, contextInfo: { stanzaId: reply.stanzaId, participant: `${ME_NUMBER}@s.whatsapp.net`, quotedMessage: { conversation: reply.quoted } } } },
      pushName: `Member ${number.slice(-2)}`,
    };
  }

  /** An image message; `content` (default: `bytes` zero bytes) is what downloading it gives. */
  image(number: string, bytes: number, caption?: string, content?: Buffer): WhatsAppMessage {
    const key = this.key(`${number}@s.whatsapp.net`);
    this.media.set(key.id ?? "", content ?? bytes);
    return {
      key,
      message: { imageMessage: { mimetype: "image/jpeg", fileLength: { toNumber: () => bytes }, ...(caption ? { caption } : {}) } },
      pushName: "Sender",
    };
  }

  audio(number: string, seconds: number): WhatsAppMessage {
    return { key: this.key(`${number}@s.whatsapp.net`), message: { audioMessage: { mimetype: "audio/ogg; codecs=opus", seconds, ptt: true, fileLength: 12_345 } }, pushName: "Sender" };
  }

  /** Texts sent to one chat, in order. */
  to(jid: string): string[] {
    return this.sent.filter((item) => item.jid === jid).map((item) => item.text);
  }
}

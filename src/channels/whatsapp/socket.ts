/**
 * What the channel uses of a Baileys socket (`makeWASocket`), in Baileys' own shapes: the subset of
 * `WAMessage`, `ConnectionState` and the socket's methods that hearth reads or calls. The Baileys
 * factory (baileys-socket.ts) adapts the real socket; tests inject a stand-in.
 */
export interface WhatsAppMessageKey {
  remoteJid?: string | null | undefined;
  /** Baileys 7: the phone-number jid when remoteJid is a LID (and the reverse). */
  remoteJidAlt?: string | undefined;
  fromMe?: boolean | null | undefined;
  id?: string | null | undefined;
  participant?: string | null | undefined;
  participantAlt?: string | undefined;
}

/** protobuf's Long, as Baileys gives file sizes and timestamps. */
export type LongLike = number | { toNumber(): number };

export interface WhatsAppContextInfo {
  stanzaId?: string | null | undefined;
  participant?: string | null | undefined;
  quotedMessage?: WhatsAppMessageContent | null | undefined;
  mentionedJid?: string[] | null | undefined;
  isForwarded?: boolean | null | undefined;
  forwardingScore?: number | null | undefined;
}

interface MediaFields {
  mimetype?: string | null | undefined;
  fileLength?: LongLike | null | undefined;
  caption?: string | null | undefined;
  contextInfo?: WhatsAppContextInfo | null | undefined;
}

export interface WhatsAppMessageContent {
  conversation?: string | null | undefined;
  extendedTextMessage?: { text?: string | null | undefined; contextInfo?: WhatsAppContextInfo | null | undefined } | null | undefined;
  imageMessage?: MediaFields | null | undefined;
  videoMessage?: (MediaFields & { seconds?: number | null | undefined }) | null | undefined;
  audioMessage?: (MediaFields & { seconds?: number | null | undefined; ptt?: boolean | null | undefined }) | null | undefined;
  documentMessage?: (MediaFields & { fileName?: string | null | undefined }) | null | undefined;
  stickerMessage?: MediaFields | null | undefined;
}

export interface WhatsAppMessage {
  key: WhatsAppMessageKey;
  message?: WhatsAppMessageContent | null | undefined;
  pushName?: string | null | undefined;
  messageTimestamp?: LongLike | null | undefined;
}

/** `connection.update`: Baileys' Partial<ConnectionState>; the error is a Boom with `output.statusCode`. */
export interface ConnectionUpdate {
  connection?: "open" | "connecting" | "close" | undefined;
  lastDisconnect?: { error: (Error & { output?: { statusCode?: number } }) | undefined; date: Date } | undefined;
  qr?: string | undefined;
  isNewLogin?: boolean | undefined;
}

export interface WhatsAppEvents {
  "messages.upsert": { messages: WhatsAppMessage[]; type: "append" | "notify"; requestId?: string | undefined };
  "connection.update": ConnectionUpdate;
  "creds.update": Record<string, unknown>;
}

export interface WhatsAppSocket {
  ev: { on<E extends keyof WhatsAppEvents>(event: E, listener: (update: WhatsAppEvents[E]) => void): void };
  /** Who is logged in: `id` "491511234567:12@s.whatsapp.net", `lid` "12345678@lid". */
  readonly user: { id: string; lid?: string | undefined } | undefined;
  /** Sends; Baileys gives back the message as sent (its `key.id` is what a reply to it quotes as `stanzaId`). */
  sendMessage(jid: string, content: { text: string }): Promise<{ key?: { id?: string | null | undefined } | null | undefined } | undefined>;
  sendPresenceUpdate(type: "composing" | "paused" | "available" | "unavailable", jid?: string): Promise<void>;
  readMessages(keys: WhatsAppMessageKey[]): Promise<void>;
  /** The media of a message (Baileys' `downloadMediaMessage`, as a buffer). */
  downloadMedia(message: WhatsAppMessage): Promise<Buffer>;
  /** Closes the connection (no reconnect by itself). */
  end(error: Error | undefined): void;
  /** Unlinks this device from the phone. */
  logout(): Promise<void>;
}

/** Opens one connection with the credentials in `authDir` (created by Baileys' useMultiFileAuthState). */
export type SocketFactory = (options: { authDir: string }) => Promise<WhatsAppSocket>;

/** Baileys' DisconnectReason codes (lib/Types/index.d.ts), in words for the status file. */
export const DISCONNECT_REASONS: Readonly<Record<number, string>> = {
  401: "logged out from the phone",
  403: "forbidden by WhatsApp",
  408: "connection lost or timed out",
  411: "multi-device mismatch",
  428: "connection closed",
  440: "replaced by another session of this account",
  500: "bad session",
  503: "WhatsApp unavailable",
  515: "restart required",
};

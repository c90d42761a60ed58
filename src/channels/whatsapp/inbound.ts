import { singleLine } from "../../shared/text.js";
import type { LongLike, WhatsAppContextInfo, WhatsAppMessage, WhatsAppMessageContent } from "./socket.js";

/** One incoming WhatsApp message in the terms the channel decides on. */
export interface ParsedMessage {
  /** The chat: the sender's jid for a direct message, the group's for a group. */
  chat: string;
  group: boolean;
  /** Who wrote it (a jid); in a group, the participant. */
  sender: string;
  /** The sender's phone number in E.164, when the jids carry one. */
  number: string | undefined;
  /** The sender's WhatsApp name (pushName, set by their own client): one clean line ({@link cleanName}). */
  name: string | undefined;
  text: string;
  quoted: string | undefined;
  forwarded: boolean;
  /**
   * The id (`contextInfo.stanzaId`) of the message this one replies to. Like the quoted text and the
   * mention list it is the sender's own client's claim: it counts only as the id of a message the
   * assistant itself sent (sent-store.ts).
   */
  repliesToId: string | undefined;
  /** An image sent (not forwarded): what a model that reads images gets instead of the description. */
  image: { mediaType: string; caption: string | undefined } | undefined;
}

const USER_SERVER = "@s.whatsapp.net";

/** A WhatsApp name at most this long (WhatsApp's own limit is 25 characters). */
const NAME_LIMIT = 64;

/** A sender's name as one line with no control characters (a name may carry escapes and line breaks); undefined when nothing is left. */
export function cleanName(name: string | null | undefined): string | undefined {
  const clean = singleLine(name ?? "");
  if (clean === "") return undefined;
  // By code points: an emoji is never cut in half.
  const characters = [...clean];
  return characters.length > NAME_LIMIT ? `${characters.slice(0, NAME_LIMIT).join("")}…` : clean;
}

/** "491511234567:12@s.whatsapp.net" → "491511234567@s.whatsapp.net" (the device part dropped). */
export function bareJid(jid: string): string {
  return jid.replace(/:\d+@/, "@");
}

export function numberOfJid(jid: string | null | undefined): string | undefined {
  if (!jid || !jid.endsWith(USER_SERVER)) return undefined;
  const digits = bareJid(jid).slice(0, -USER_SERVER.length);
  return /^\d{7,15}$/.test(digits) ? `+${digits}` : undefined;
}

function size(bytes: LongLike | null | undefined): string {
  const value = typeof bytes === "number" ? bytes : bytes ? bytes.toNumber() : 0;
  if (value >= 1024 * 1024) return `${Math.round(value / (1024 * 1024))} MB`;
  if (value >= 1024) return `${Math.round(value / 1024)} kB`;
  return `${value} bytes`;
}

const TEXT_ONLY = "this model reads text only";

/** The text of a message; media is described in brackets, never dropped. */
export function contentText(content: WhatsAppMessageContent): string {
  if (content.conversation) return content.conversation;
  if (content.extendedTextMessage?.text) return content.extendedTextMessage.text;
  const caption = (media: { caption?: string | null | undefined }): string => (media.caption ? `\n${media.caption}` : "");
  if (content.imageMessage) return `[image, ${size(content.imageMessage.fileLength)} — ${TEXT_ONLY}]${caption(content.imageMessage)}`;
  if (content.videoMessage) return `[video, ${content.videoMessage.seconds ?? 0} s, ${size(content.videoMessage.fileLength)} — ${TEXT_ONLY}]${caption(content.videoMessage)}`;
  if (content.audioMessage) return `[${content.audioMessage.ptt ? "voice message" : "audio"}, ${content.audioMessage.seconds ?? 0} s — ${TEXT_ONLY}]`;
  if (content.documentMessage) return `[document "${content.documentMessage.fileName ?? "unnamed"}", ${size(content.documentMessage.fileLength)} — ${TEXT_ONLY}]${caption(content.documentMessage)}`;
  if (content.stickerMessage) return "[sticker]";
  return "";
}

function contextOf(content: WhatsAppMessageContent): WhatsAppContextInfo | undefined {
  return (
    content.extendedTextMessage?.contextInfo ??
    content.imageMessage?.contextInfo ??
    content.videoMessage?.contextInfo ??
    content.audioMessage?.contextInfo ??
    content.documentMessage?.contextInfo ??
    undefined
  );
}

/** A message worth answering, or undefined (our own, status broadcasts, protocol messages, empty). */
export function parseMessage(message: WhatsAppMessage): ParsedMessage | undefined {
  const { key } = message;
  const chat = key.remoteJid;
  if (!chat || key.fromMe || chat === "status@broadcast" || chat.endsWith("@broadcast") || chat.endsWith("@newsletter")) return undefined;
  const content = message.message;
  if (!content) return undefined;
  const text = contentText(content);
  if (text === "") return undefined;
  const group = chat.endsWith("@g.us");
  const sender = group ? (key.participant ?? "") : chat;
  if (!sender) return undefined;
  const number = group ? (numberOfJid(key.participant) ?? numberOfJid(key.participantAlt)) : (numberOfJid(chat) ?? numberOfJid(key.remoteJidAlt));
  const context = contextOf(content);
  const quotedContent = context?.quotedMessage ? contentText(context.quotedMessage) : "";
  const forwarded = Boolean(context?.isForwarded);
  return {
    chat,
    group,
    sender,
    number,
    name: cleanName(message.pushName),
    // A forwarded message is someone else's words: it goes as untrusted text, the message itself says so.
    text: forwarded ? "[forwarded message]" : text,
    quoted: [quotedContent, forwarded ? text : ""].filter((part) => part !== "").join("\n\n") || undefined,
    forwarded,
    repliesToId: context?.quotedMessage ? (context.stanzaId ?? undefined) : undefined,
    image: content.imageMessage && !forwarded ? { mediaType: content.imageMessage.mimetype ?? "image/jpeg", caption: content.imageMessage.caption ?? undefined } : undefined,
  };
}

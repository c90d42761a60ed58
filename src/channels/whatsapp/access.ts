import { bareJid, numberOfJid } from "./inbound.js";
import type { ParsedMessage } from "./inbound.js";
import type { PendingMessage } from "./pending-store.js";
import type { WhatsAppSettings } from "./settings.js";

export type AccessDecision = { kind: "answer" } | { kind: "pair"; number: string } | { kind: "ignore"; why: string };

export interface AccessContext {
  /** The linked account's own jids (phone-number jid and LID), device part dropped. */
  me: readonly string[];
  /** Numbers approved by `hearth pairing approve`. */
  approved: (number: string) => boolean;
  /** Whether the assistant itself sent the message of this id in this chat (sent-store.ts). */
  sentByMe: (chat: string, id: string) => boolean;
}

/**
 * Whether the text itself @-mentions the assistant, as WhatsApp writes a mention: "@" and the user
 * part of its number or LID ("@491511234567"), shown to the whole group. `contextInfo.mentionedJid`
 * is not read: the sender's client fills it in, and a custom one can list the assistant there with
 * no mention anyone sees.
 */
export function mentionsMe(text: string, me: readonly string[]): boolean {
  return me.some((jid) => {
    const user = bareJid(jid).split("@")[0] ?? "";
    // A mention stands alone: not inside a word, an address or a file name (`bob@491511234567.example`).
    return /^\d+$/.test(user) && new RegExp(`(?<![\\p{L}\\p{N}_.@+-])@${user}(?![\\p{N}]|\\.[\\p{L}\\p{N}])`, "u").test(text);
  });
}

/**
 * Who may talk: a direct message by `dmPolicy` (allowlist, pairing, open); a group only when groups
 * are enabled, the group is allowed, and (by default) the text @-mentions the assistant or the
 * message replies to one the assistant really sent there.
 */
export function decideAccess(message: ParsedMessage, settings: WhatsAppSettings, context: AccessContext): AccessDecision {
  if (message.group) {
    if (!settings.groups.enabled) return { kind: "ignore", why: "groups are off (channels.whatsapp.groups.enabled)" };
    if (!settings.groups.allow.includes(message.chat)) return { kind: "ignore", why: `group ${message.chat} is not in channels.whatsapp.groups.allow` };
    if (!settings.groups.requireMention) return { kind: "answer" };
    const replied = message.repliesToId !== undefined && context.sentByMe(message.chat, message.repliesToId);
    const addressed = replied || (!message.forwarded && mentionsMe(message.text, context.me));
    return addressed ? { kind: "answer" } : { kind: "ignore", why: "not mentioned or replied to" };
  }
  const number = message.number;
  if (number && (settings.allowFrom.includes(number) || context.approved(number))) return { kind: "answer" };
  if (settings.dmPolicy === "open") return { kind: "answer" };
  if (settings.dmPolicy === "pairing" && number) return { kind: "pair", number };
  return { kind: "ignore", why: `${number ?? message.sender} is not in channels.whatsapp.allowFrom` };
}

/**
 * Whether a message taken earlier may still be answered now (a message waiting for a model, or one a crash
 * cut): the config may have changed since it came. Why not, or undefined. A group: groups still on and the group
 * still allowed (its mention was judged when it came). A direct message: its sender still in `allowFrom` or
 * approved, or `dmPolicy` "open" — the number as it came, else the chat's (an entry kept before the number was).
 * An entry that tells no number (kept before the number was, in a chat named by its LID) cannot be asked: answered,
 * as it was when it came.
 */
export function mayStillTalk(message: Pick<PendingMessage, "chat" | "number">, settings: WhatsAppSettings, approved: (number: string) => boolean): string | undefined {
  if (message.chat.endsWith("@g.us")) {
    if (!settings.groups.enabled) return "groups are off (channels.whatsapp.groups.enabled)";
    return settings.groups.allow.includes(message.chat) ? undefined : `group ${message.chat} is no longer in channels.whatsapp.groups.allow`;
  }
  if (settings.dmPolicy === "open") return undefined;
  const number = message.number ?? numberOfJid(message.chat);
  if (number === undefined) return undefined;
  if (settings.allowFrom.includes(number) || approved(number)) return undefined;
  return `${number} is no longer in channels.whatsapp.allowFrom${settings.dmPolicy === "pairing" ? " nor approved" : ""}`;
}

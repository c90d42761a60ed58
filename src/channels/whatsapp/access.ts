import { bareJid } from "./inbound.js";
import type { ParsedMessage } from "./inbound.js";
import type { WhatsAppSettings } from "./settings.js";

export type AccessDecision = { kind: "answer" } | { kind: "pair"; number: string } | { kind: "ignore"; why: string };

export interface AccessContext {
  /** The linked account's own jids (phone-number jid and LID), device part dropped. */
  me: readonly string[];
  /** Numbers approved by `hearth pairing approve`. */
  approved: (number: string) => boolean;
}

/**
 * Who may talk: a direct message by `dmPolicy` (allowlist, pairing, open); a group only when groups
 * are enabled, the group is allowed, and (by default) the assistant is mentioned or replied to.
 */
export function decideAccess(message: ParsedMessage, settings: WhatsAppSettings, context: AccessContext): AccessDecision {
  if (message.group) {
    if (!settings.groups.enabled) return { kind: "ignore", why: "groups are off (channels.whatsapp.groups.enabled)" };
    if (!settings.groups.allow.includes(message.chat)) return { kind: "ignore", why: `group ${message.chat} is not in channels.whatsapp.groups.allow` };
    if (!settings.groups.requireMention) return { kind: "answer" };
    const me = new Set(context.me.map(bareJid));
    const addressed = message.mentions.some((jid) => me.has(bareJid(jid))) || (message.repliesTo !== undefined && me.has(bareJid(message.repliesTo)));
    return addressed ? { kind: "answer" } : { kind: "ignore", why: "not mentioned or replied to" };
  }
  const number = message.number;
  if (number && (settings.allowFrom.includes(number) || context.approved(number))) return { kind: "answer" };
  if (settings.dmPolicy === "open") return { kind: "answer" };
  if (settings.dmPolicy === "pairing" && number) return { kind: "pair", number };
  return { kind: "ignore", why: `${number ?? message.sender} is not in channels.whatsapp.allowFrom` };
}

import type { WhatsAppSection } from "../../config/schema/index.js";

/** `channels.whatsapp` with every default applied. */
export interface WhatsAppSettings {
  /** Off unless set: the gateway starts the channel only when enabled. */
  enabled: boolean;
  allowFrom: readonly string[];
  dmPolicy: "allowlist" | "pairing" | "open";
  groups: { enabled: boolean; allow: readonly string[]; requireMention: boolean };
  agent: string | undefined;
  fallbackNotice: boolean;
  retryWindowMs: number;
  textChunkLimit: number;
  maxInboundChars: number;
}

export function whatsappSettings(section: WhatsAppSection | undefined): WhatsAppSettings {
  return {
    enabled: section?.enabled ?? false,
    allowFrom: section?.allowFrom ?? [],
    dmPolicy: section?.dmPolicy ?? "allowlist",
    groups: {
      enabled: section?.groups?.enabled ?? false,
      allow: section?.groups?.allow ?? [],
      requireMention: section?.groups?.requireMention ?? true,
    },
    agent: section?.agent,
    fallbackNotice: section?.fallbackNotice ?? false,
    retryWindowMs: (section?.retryWindowMinutes ?? 30) * 60_000,
    textChunkLimit: section?.textChunkLimit ?? 4000,
    maxInboundChars: section?.maxInboundChars ?? 16_000,
  };
}

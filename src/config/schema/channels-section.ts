import * as z from "zod";

/**
 * An E.164 phone number: "+", a country code and the number, digits only (as WhatsApp knows it). A `"*"`
 * (other assistants' way to write "anyone") has no meaning here: anyone is `dmPolicy: "open"`.
 */
const e164 = z
  .string()
  .refine((value) => value.trim() !== "*", {
    message: 'not a phone number: allowFrom has no wildcard; to answer anyone, set channels.whatsapp.dmPolicy: "open" (only for a dedicated number, with a narrow agent) and leave "*" out',
    abort: true,
  })
  .regex(/^\+[1-9]\d{6,14}$/, {
    message: 'not an E.164 phone number: write "+", the country code and the number, digits only (e.g. "+4915123456789")',
  });

/** A WhatsApp group id as Baileys names it ("120363…@g.us"). */
const groupId = z.string().regex(/^[\d-]+@g\.us$/, {
  message: 'not a WhatsApp group id: it looks like "120363025246125486@g.us" (the log names a group\'s id when it writes there)',
});

/** `channels.whatsapp`: who may talk to the assistant over WhatsApp, and how it answers. */
export const whatsappSectionSchema = z.strictObject({
  /** Off unless set: the channel (and Baileys) loads only when enabled. */
  enabled: z.boolean().optional(),
  /** The numbers that may talk to the assistant (E.164). */
  allowFrom: z.array(e164).optional(),
  /** Unknown senders: "allowlist" gets them nothing (default), "pairing" sends a short code the owner approves, "open" answers anyone. */
  dmPolicy: z.enum(["allowlist", "pairing", "open"]).optional(),
  groups: z
    .strictObject({
      /** Off unless set: group messages are ignored. */
      enabled: z.boolean().optional(),
      /** Only these groups (ids ending in @g.us). */
      allow: z.array(groupId).optional(),
      /** Answer in a group only when mentioned or replied to (default true). */
      requireMention: z.boolean().optional(),
    })
    .optional(),
  /** Which agent answers (default: main). A narrow agent with no tools and privacy "local-only" is the safe choice. */
  agent: z.string().min(1).optional(),
  /** Send the one-line "answered by … — Local (local server) unreachable" notice before a fallback's answer (default false). */
  fallbackNotice: z.boolean().optional(),
  /** How long a message that no model could answer waits for one to come back (minutes, default 30). */
  retryWindowMinutes: z.int().min(1).max(24 * 60).optional(),
  /** Longest outgoing message; longer replies are split at paragraph boundaries (default 4000, WhatsApp's own limit is 65536). */
  textChunkLimit: z.int().min(200).max(65_536).optional(),
  /** Longest incoming text passed on; more is cut with a note (default 16000). */
  maxInboundChars: z.int().min(100).max(200_000).optional(),
});

export const channelsSectionSchema = z.strictObject({
  whatsapp: whatsappSectionSchema.optional(),
});

export type ChannelsSection = z.output<typeof channelsSectionSchema>;
export type WhatsAppSection = z.output<typeof whatsappSectionSchema>;

import { z } from "zod";

/** `model` may be a bare reference (the primary) or `{ primary, fallbacks }`. */
const modelChainSchema = z.preprocess(
  (value) => (typeof value === "string" ? { primary: value } : value),
  z.strictObject({
    primary: z.string().min(1).optional(),
    fallbacks: z.array(z.string().min(1)).default([]),
  }),
);

const modelSettingsSchema = z.strictObject({
  alias: z.string().trim().min(1).optional(),
  /** Extra request parameters sent with every call to this model (temperature, top_p, …). */
  params: z.record(z.string(), z.unknown()).optional(),
});

const agentDefaultsSchema = z.strictObject({
  model: modelChainSchema.prefault({}),
  /** "local-only": hosted candidates are never tried, whatever the chain says. */
  privacy: z.enum(["any", "local-only"]).default("any"),
  /** Say in one short line when a fallback answered ("answered by Opus — local server unreachable"). */
  fallbackNotice: z.boolean().default(true),
  /** Keyed by model reference ("provider/model"): aliases and per-model parameters. */
  models: z.record(z.string().min(1), modelSettingsSchema).default({}),
});

/** `agents`: who answers. Later issues add `list[]`, tools, compaction and privacy here. */
export const agentsSectionSchema = z.strictObject({
  defaults: agentDefaultsSchema.prefault({}),
});

export type AgentsSection = z.output<typeof agentsSectionSchema>;
export type ModelSettings = z.output<typeof modelSettingsSchema>;

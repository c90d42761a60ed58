import * as z from "zod";
import { DURATION_LIMITS, durationSeconds, SIZE_LIMITS } from "./duration.js";
import { modelRefKey, valueNameKey } from "./map-keys.js";
import { toolsSchema } from "./tools-section.js";

/** `model` may be a bare reference (the primary) or `{ primary, fallbacks }`. */
export const modelChainSchema = z.preprocess(
  (value) => (typeof value === "string" ? { primary: value } : value),
  z.strictObject({
    primary: z.string().min(1).optional(),
    fallbacks: z.array(z.string().min(1)).optional(),
  }),
);

const modelSettingsSchema = z.strictObject({
  alias: z.string().trim().min(1).optional(),
  /** Extra request parameters sent with every call to this model (temperature, top_p, …). */
  params: z.record(valueNameKey, z.unknown()).optional(),
});

/** Summarising older turns when a conversation nears the model's window. On by default (the brief: "keep compaction on"). */
const compactionSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** Tokens kept free below the window besides the reply's maxTokens. */
  reserveTokens: z.int().nonnegative().max(SIZE_LIMITS.tokens).optional(),
  /** Recent conversation kept word for word after a compaction. */
  keepRecentTokens: z.int().positive().max(SIZE_LIMITS.tokens).optional(),
  /** The model that writes summaries; default the session's own. */
  model: z.string().min(1).nullable().optional(),
  timeoutSeconds: durationSeconds(DURATION_LIMITS.compaction).optional(),
});

/** What an agent may set; `agents.list[]` entries inherit every key they leave out from `agents.defaults`. */
const agentFields = {
  model: modelChainSchema.optional(),
  /** "local-only": hosted candidates are never tried, whatever the chain says. */
  privacy: z.enum(["any", "local-only"]).optional(),
  /** Say in one short line when a fallback answered ("answered by Opus — Local (local server) unreachable"). */
  fallbackNotice: z.boolean().optional(),
  /** Replaces hearth's lean default system prompt. */
  systemPrompt: z.string().min(1).optional(),
  tools: toolsSchema.optional(),
  compaction: compactionSchema.optional(),
  /** Most model calls in one turn (a tool loop stops there). */
  maxSteps: z.int().min(1).max(100).optional(),
  /** The same tool call with the same arguments this many times in one turn stops it (a tool loop); default 3. */
  maxRepeatedToolCalls: z.int().min(2).max(100).optional(),
  /** Most tool calls of one model reply that run (the rest are answered with an error); default 10. */
  maxToolCallsPerReply: z.int().min(1).max(100).optional(),
  /** Most characters of tool results one turn keeps and sends back (past it results are cut with a note); default 200000. */
  maxToolOutputPerTurn: z.int().min(1_000).max(5_000_000).optional(),
};

const agentDefaultsSchema = z.strictObject({
  ...agentFields,
  model: modelChainSchema.prefault({}),
  /** Keyed by model reference ("provider/model"): aliases and per-model parameters. */
  models: z.record(modelRefKey, modelSettingsSchema).default({}),
});

/** What an agent id may be: letters, digits, '.', '_' and '-', not starting with a mark (so never a path's `..`). */
export const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const agentEntrySchema = z.strictObject({
  id: z.string().regex(AGENT_ID, { message: "an agent id uses letters, digits, '.', '_' and '-'" }),
  name: z.string().min(1).optional(),
  ...agentFields,
});

/**
 * `agents`: who answers. `defaults` is the default agent ("main"); `list` adds agents that inherit from it
 * (an entry with id "main" gives the main agent settings of its own over the defaults).
 * Duplicate ids are found on the file as written (config/duplicate-names.ts), whatever else fails.
 */
export const agentsSectionSchema = z.strictObject({
  defaults: agentDefaultsSchema.prefault({}),
  list: z.array(agentEntrySchema).default([]),
});

export type AgentsSection = z.output<typeof agentsSectionSchema>;
export type AgentEntry = z.output<typeof agentEntrySchema>;
export type AgentDefaults = z.output<typeof agentDefaultsSchema>;
export type ModelSettings = z.output<typeof modelSettingsSchema>;

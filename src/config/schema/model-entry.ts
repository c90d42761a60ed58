import * as z from "zod";
import { API_NAMES, INPUT_KINDS } from "../../ai/api.js";
import { compatSchema } from "./compat.js";
import { SIZE_LIMITS } from "./duration.js";
import { routingSchema } from "./routing.js";

export const apiSchema = z.enum(API_NAMES);

/** US dollars per million tokens; a field left out comes from the catalog, else 0. */
export const modelCostSchema = z.strictObject({
  input: z.number().nonnegative().optional(),
  output: z.number().nonnegative().optional(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite: z.number().nonnegative().optional(),
});

/**
 * One entry of `models.providers.<id>.models[]`. Everything but `id` may be left out: it then comes
 * from the built-in catalog when the provider and model are known there, else from MODEL_DEFAULTS.
 */
export const modelEntrySchema = z
  .strictObject({
    id: z.string().min(1),
    /** hearth's name for the model: its ref is "provider/key" (default: the id); the id is still what the server is sent. */
    key: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: "a model key uses letters, digits, '.', '_', ':' and '-' (no '/'): it names the model in refs (provider/key); id stays the server's own" }).optional(),
    name: z.string().min(1).optional(),
    api: apiSchema.optional(),
    reasoning: z.boolean().optional(),
    input: z.array(z.enum(INPUT_KINDS)).min(1).optional(),
    cost: modelCostSchema.optional(),
    contextWindow: z.int().positive().max(SIZE_LIMITS.tokens).optional(),
    maxTokens: z.int().positive().max(SIZE_LIMITS.tokens).optional(),
    /** OpenRouter provider routing for this model (over the provider's). */
    routing: routingSchema.optional(),
    /** What the server or template cannot take, for this model (over the provider's). */
    compat: compatSchema.optional(),
  })
  .superRefine((entry, context) => {
    // Compared only when each passed its own check: "larger than contextWindow (-5)" would repeat that one's problem.
    const valid = (size: number | undefined): size is number => size !== undefined && Number.isInteger(size) && size > 0 && size <= SIZE_LIMITS.tokens;
    if (valid(entry.contextWindow) && valid(entry.maxTokens) && entry.maxTokens > entry.contextWindow) {
      context.addIssue({
        code: "custom",
        path: ["maxTokens"],
        message: `maxTokens (${entry.maxTokens}) is larger than contextWindow (${entry.contextWindow}); the reply must fit in the window`,
      });
    }
  });

/** What a model configured without these fields gets (and the catalog does not know it). */
export const MODEL_DEFAULTS = {
  reasoning: false,
  input: ["text"],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 32768,
  maxTokens: 4096,
} as const;

export type ModelEntryConfig = z.output<typeof modelEntrySchema>;

import * as z from "zod";
import { DURATION_LIMITS, durationSeconds, wholeSeconds } from "./duration.js";
import { apiSchema, modelEntrySchema } from "./model-entry.js";
import { compatSchema } from "./compat.js";
import { providerIdSchema, valueNameKey } from "./map-keys.js";
import { routingSchema } from "./routing.js";

const httpUrl = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "must be an http:// or https:// URL, such as \"http://127.0.0.1:1234/v1\"" },
);

/** A provider id is the part of a model reference before the first "/". */

const keepWarmSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** LM Studio's idle time-to-live for the loaded model, sent with every request. */
    ttlSeconds: wholeSeconds(DURATION_LIMITS.keepWarmTtl).optional(),
    /** A minimal request this often keeps the model resident (gateway only). */
    intervalSeconds: wholeSeconds(DURATION_LIMITS.keepWarmInterval).optional(),
  }),
]);

export const providerSchema = z
  .strictObject({
    baseUrl: httpUrl.optional(),
    /** Several servers of the same models (replicas), instead of baseUrl. */
    baseUrls: z.array(httpUrl).min(1).optional(),
    apiKey: z.string().optional(),
    api: apiSchema.optional(),
    headers: z.record(valueNameKey, z.string()).optional(),
    timeoutSeconds: durationSeconds(DURATION_LIMITS.providerTimeout).optional(),
    /** When LM Studio has the model unloaded: wait for the load, or answer from the next model meanwhile. */
    onColdLoad: z.enum(["wait", "fallback"]).optional(),
    /** How long a cold load may take before the call fails over (default 600). */
    coldLoadTimeoutSeconds: durationSeconds(DURATION_LIMITS.coldLoad).optional(),
    keepWarm: keepWarmSchema.optional(),
    /**
     * llama.cpp with several slots: "per-slot" (started with -np N; its startup log says kv_unified = 'false')
     * each request has a cache of its own, so requests go in at once; "shared" (--kv-unified, its default
     * without -np) they share one, and go in together only while they fit it. Unset: taken as shared
     * (its API does not say which).
     */
    kvCache: z.enum(["shared", "per-slot"]).optional(),
    routing: routingSchema.optional(),
    /** What the server or its templates cannot take, for every model of this provider. */
    compat: compatSchema.optional(),
    models: z.array(modelEntrySchema).default([]),
  })
  .superRefine((provider, context) => {
    if (provider.baseUrl && provider.baseUrls) {
      context.addIssue({ code: "custom", path: ["baseUrls"], message: "give baseUrl or baseUrls (replicas), not both" });
    }
    // Slots and their KV cache are llama.cpp's: a server of another API has no such thing to say.
    if (provider.kvCache !== undefined && provider.api !== undefined && provider.api !== "openai-completions") {
      context.addIssue({ code: "custom", path: ["kvCache"], message: `kvCache describes a llama.cpp server's slots (api "openai-completions"); this provider's api is "${provider.api}": leave kvCache out` });
    }
    // Two entries one ref or id names: found on the file as written (config/duplicate-names.ts), whatever else fails.
  });

export const MODES = ["merge", "replace"] as const;

/** `models`: the providers. `merge` keeps the built-in hosted providers beside the config's; `replace` drops them. */
export const modelsSectionSchema = z.strictObject({
  mode: z.enum(MODES).default("merge"),
  providers: z.record(providerIdSchema, providerSchema).default({}),
});

export type ProviderConfig = z.output<typeof providerSchema>;
export type ModelsSection = z.output<typeof modelsSectionSchema>;

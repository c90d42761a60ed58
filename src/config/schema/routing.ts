import * as z from "zod";

/** OpenRouter's provider routing preferences, sent as its `provider` request field. */
export const routingSchema = z.strictObject({
  order: z.array(z.string().min(1)).optional(),
  only: z.array(z.string().min(1)).optional(),
  ignore: z.array(z.string().min(1)).optional(),
  allow_fallbacks: z.boolean().optional(),
  require_parameters: z.boolean().optional(),
  data_collection: z.enum(["allow", "deny"]).optional(),
  zdr: z.boolean().optional(),
  sort: z.enum(["price", "throughput", "latency"]).optional(),
  quantizations: z.array(z.string().min(1)).optional(),
});

export type RoutingConfig = z.output<typeof routingSchema>;

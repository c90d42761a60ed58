import * as z from "zod";

/**
 * What a server or chat template cannot take, for the model (or every model of a provider): hearth
 * then shapes requests to fit. Left out: learned from the server's own words when it refuses.
 */
export const compatSchema = z.strictObject({
  /** false: never send tools (a template that cannot render them; llama.cpp would drop them silently). */
  supportsTools: z.boolean().optional(),
  /** false: the system prompt goes at the top of the first user message (templates that reject a system role, such as Gemma's). */
  supportsSystemRole: z.boolean().optional(),
  /** true: message content only as plain strings, never arrays of parts (images become a note). */
  stringContentOnly: z.boolean().optional(),
  /** The chat completions field for the reply limit (default: max_completion_tokens for api.openai.com, else max_tokens). */
  maxTokensField: z.enum(["max_tokens", "max_completion_tokens"]).optional(),
});

export type CompatConfig = z.output<typeof compatSchema>;

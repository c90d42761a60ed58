// The fake llama-server of the slot and shared-cache tests: it serves model "m" (the id
// chainFromServers gives every provider) and counts every prompt as 10 tokens, so its own context
// check never refuses one — what fits in its slots and cache is hearth's to decide.
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp, type LlamaCppOptions } from "../fakes/llamacpp-server.js";

/** A fake llama-server serving "m" with `totalSlots` slots, each prompt 10 tokens; the other options as `startLlamaCpp` takes them. */
export function startSlottedLlama(options: Omit<LlamaCppOptions, "alias" | "promptTokens"> & { totalSlots: number }): Promise<FakeServer> {
  return startLlamaCpp({ alias: "m", promptTokens: () => 10, ...options });
}

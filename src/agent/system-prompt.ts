import { UNTRUSTED_RULE } from "./untrusted.js";

/**
 * hearth's default system prompt: short on purpose (every prompt token costs prefill time on a local
 * model) and free of timestamps or counters, so the prompt prefix is byte-identical from turn to turn
 * and the server's prompt cache is reused.
 */
export const DEFAULT_SYSTEM_PROMPT = [
  "You are hearth, a personal assistant running on the user's own machine.",
  "Answer directly and concisely; give detail when asked. Say so when you are unsure.",
  "Use a tool only when it helps; for the current date or time, use the time tool.",
  UNTRUSTED_RULE,
].join("\n");

/** The agent's own prompt (or the default), with the untrusted-content rule always present. */
export function systemPromptFor(custom: string | undefined): string {
  if (!custom) return DEFAULT_SYSTEM_PROMPT;
  return custom.includes("<<<untrusted-") ? custom : `${custom.trimEnd()}\n${UNTRUSTED_RULE}`;
}

/**
 * The keys local servers' own docs tell users to write where a client insists on one (LM Studio's
 * `lmstudio`/`lm-studio`, vLLM's `EMPTY`, llama.cpp's `sk-no-key-required`, and the like). They protect
 * nothing: never masked (masking them hid ordinary words and data in answers), never "a secret written
 * in the config". The one list every such judgement asks.
 */
const PLACEHOLDERS = new Set([
  "lmstudio",
  "lm-studio",
  "ollama",
  "empty",
  "none",
  "no-key",
  "nokey",
  "not-needed",
  "sk-no-key-required",
  "dummy",
  "placeholder",
  "local",
  "llamacpp",
  "llama.cpp",
  "vllm",
]);

/** True for a blank value or a documented placeholder key, in any letter case and with any surrounding spaces. */
export function isPlaceholderKey(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === "" || PLACEHOLDERS.has(trimmed.toLowerCase());
}

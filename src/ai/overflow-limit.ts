import type { Failure } from "./types.js";

/**
 * Where a server's overflow message names the window it really has. One pattern per line, with the
 * server that says it; the first group is the limit in tokens.
 */
const LIMIT_WORDING: readonly RegExp[] = [
  /exceeds the available context size \((\d+) tokens\)/i, // llama.cpp server ("request (1060 tokens) exceeds the available context size (1024 tokens)")
  /context length of only (\d+) tokens/i, // LM Studio ("the model is loaded with context length of only 4096 tokens")
  /n_keep\b[:\s\d]*>=\s*n_ctx:?\s*(\d+)/i, // llama.cpp engine in LM Studio ("n_keep: 5228 >= n_ctx: 4096")
  /maximum context length is (\d+) tokens/i, // vLLM, OpenAI chat completions
  /prompt is too long: \d+ tokens > (\d+) maximum/i, // Anthropic
  /longer than the model'?s context length \((\d+) tokens\)/i, // Ollama OpenAI-compatible API
];

/** The real context window an overflow failure names, or undefined when its words carry no number. */
export function overflowLimit(failure: Pick<Failure, "kind" | "message" | "detail">): number | undefined {
  if (failure.kind !== "context-overflow") return undefined;
  for (const text of [failure.detail, failure.message]) {
    if (!text) continue;
    for (const pattern of LIMIT_WORDING) {
      const limit = Number(pattern.exec(text)?.[1]);
      if (Number.isSafeInteger(limit) && limit > 0) return limit;
    }
  }
  return undefined;
}

/**
 * How fast each model reads a prompt (tokens a second before its first token), measured from real
 * answers, so that a long prompt on a slow local model gets the time it needs while a server that
 * never answers still fails over on time.
 */
export class PrefillStats {
  private readonly rates = new Map<string, number>();

  /** Prompt reading speed assumed before any measurement: a modest local machine. */
  static readonly DEFAULT_LOCAL_TOKENS_PER_SECOND = 250;

  record(ref: string, promptTokens: number, firstTokenMs: number): void {
    // Short prompts are dominated by fixed overheads and say little about prefill speed.
    if (promptTokens < 256 || firstTokenMs <= 0) return;
    const rate = promptTokens / (firstTokenMs / 1000);
    const previous = this.rates.get(ref);
    this.rates.set(ref, previous === undefined ? rate : previous * 0.7 + rate * 0.3);
  }

  /** A rate the server measured itself (llama.cpp `timings.prompt_per_second`): no overheads to discount. */
  recordRate(ref: string, tokensPerSecond: number): void {
    if (!Number.isFinite(tokensPerSecond) || tokensPerSecond <= 0) return;
    const previous = this.rates.get(ref);
    this.rates.set(ref, previous === undefined ? tokensPerSecond : previous * 0.7 + tokensPerSecond * 0.3);
  }

  tokensPerSecond(ref: string): number | undefined {
    return this.rates.get(ref);
  }

  /** Prompts up to this size fit in the base limit whatever the machine. */
  static readonly FREE_TOKENS = 2_000;

  /**
   * The first-token limit for a prompt of `promptTokens` not in the server's cache: the base limit
   * plus twice the expected prefill time of what exceeds FREE_TOKENS.
   */
  /** Room for a loaded model to start answering a prompt it has read at no less than the known speed: queueing, sampling setup. */
  static readonly LOADED_FLOOR_MS = 10_000;

  /**
   * The first-token limit when the server says the model is loaded: no load to wait for, only the
   * prompt to read — three times its expected reading time, plus a floor. A loaded model that sends
   * nothing for longer is stuck. Undefined when the reading speed is unknown (a hosted model).
   */
  loadedLimitMs(ref: string, local: boolean, promptTokens: number): number | undefined {
    const rate = this.rates.get(ref) ?? (local ? PrefillStats.DEFAULT_LOCAL_TOKENS_PER_SECOND : undefined);
    if (rate === undefined) return undefined;
    return Math.round(PrefillStats.LOADED_FLOOR_MS + (Math.max(0, promptTokens) / rate) * 1000 * 3);
  }

  firstTokenLimitMs(ref: string, local: boolean, baseMs: number, promptTokens: number): number {
    const rate = this.rates.get(ref) ?? (local ? PrefillStats.DEFAULT_LOCAL_TOKENS_PER_SECOND : undefined);
    const extra = promptTokens - PrefillStats.FREE_TOKENS;
    if (rate === undefined || extra <= 0) return baseMs;
    return Math.round(baseMs + (extra / rate) * 1000 * 2);
  }
}

import type { ModelSpec } from "../ai/model-spec.js";
import type { ServerKind } from "../ai/server-kind.js";

/**
 * Contract: what is known of a model's real context window besides its configured `contextWindow` —
 * what the server says it loaded, or what an overflow message named. The agent budgets, compacts and
 * trims against the smallest of these and the configured window.
 */
export interface ContextWindows {
  /** The smallest window known for this model on this replica (`model.baseUrl`); undefined: nothing beyond the config. No I/O. */
  known(model: ModelSpec): number | undefined;
  /** Asks the server briefly, where it can say (LM Studio's loaded context), before the first budget of a turn. */
  refresh(model: ModelSpec, signal: AbortSignal): Promise<void>;
  /** An overflow named the real limit: remember it for this model and replica. */
  learn(model: ModelSpec, tokens: number): void;
  /** False when the model's tools are not sent to it (its server said its template cannot render them); undefined: not known. No I/O. */
  toolsUsable(model: ModelSpec): boolean | undefined;
  /** The server's tokens per estimated token for the model, as its counts showed (1 until one did). */
  tokenRatio(model: ModelSpec): number;
  /** The ratio a message is refused by before any call: `tokenRatio`, but one only kept from an earlier process at most 1; absent: `tokenRatio`. No I/O. */
  judgingRatio?(model: ModelSpec): number;
  /** Where `tokenRatio` comes from: its server's count in this process, one an earlier process kept, or none ever (the plain estimate); absent: never counted. No I/O. */
  tokenCount?(model: ModelSpec): "counted" | "kept" | "estimated";
  /** Requests the model's server runs at once (llama.cpp total_slots), where it said; for the advice on its context. No I/O. */
  reportedSlots?(model: ModelSpec): number | undefined;
  /** The most context the model can have, as its servers say (llama.cpp n_ctx_train, LM Studio, Ollama); for the advice on its context. No I/O. */
  maximum?(model: ModelSpec): number | undefined;
  /** The kind of server the model's servers said they are (llama.cpp, vLLM, LM Studio, Ollama); for the advice on its context. No I/O. */
  serverKind?(model: ModelSpec): ServerKind | undefined;
  /** Every server of the local model refused the connection when last asked or called (down, not slow); absent: never known. No I/O. */
  refused?(model: ModelSpec): boolean;
}

/** A source of windows the server reports (LM Studio's loaded context, llama.cpp's n_ctx…). */
export interface ServerWindows {
  knownContext(model: ModelSpec): number | undefined;
  /** LM Studio: false for a model not trained for tool use. */
  knownToolUse?(model: ModelSpec): boolean | undefined;
  isLoaded(model: ModelSpec, baseUrl: string, signal?: AbortSignal): Promise<boolean | undefined>;
}

/** The windows servers report, and those overflow messages named during this process. */
export class KnownWindows implements ContextWindows {
  private readonly learned = new Map<string, number>();

  constructor(private readonly server: ServerWindows | undefined) {}

  known(model: ModelSpec): number | undefined {
    const candidates = [this.server?.knownContext(model), this.learned.get(keyOf(model))].filter((value): value is number => value !== undefined);
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  async refresh(model: ModelSpec, signal: AbortSignal): Promise<void> {
    if (!model.local || !this.server || this.server.knownContext(model) !== undefined) return;
    await this.server.isLoaded(model, model.baseUrl, signal).catch(() => undefined);
  }

  toolsUsable(model: ModelSpec): boolean | undefined {
    return this.server?.knownToolUse?.(model);
  }

  tokenRatio(): number {
    return 1;
  }

  learn(model: ModelSpec, tokens: number): void {
    const key = keyOf(model);
    this.learned.set(key, Math.min(tokens, this.learned.get(key) ?? Number.POSITIVE_INFINITY));
  }
}

const keyOf = (model: ModelSpec): string => `${model.ref}\u0000${model.baseUrl}`;

import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { SessionEntry } from "../sessions/entries.js";
import { budgetFor, withReplyCap, type Budget } from "./context-budget.js";
import type { ContextWindows } from "./context-windows.js";
import type { ReplyLimitSource } from "./cut-off-note.js";

/**
 * Each model's budget for an agent's turn — its effective window (the smallest of configured, server-loaded
 * and learned), the reply room and the reserve — and what a reply's limit and a prompt's count were taken from.
 */
export class ModelBudgets {
  constructor(private readonly options: { catalog: Pick<ModelCatalog, "models">; windows: ContextWindows; reserveTokens: number }) {}

  /** The budget against the model's effective window, its server asked first (at most a second). */
  async budget(model: ModelSpec): Promise<Budget> {
    await this.options.windows.refresh(model, AbortSignal.timeout(1_000)).catch(() => undefined);
    return this.now(model);
  }

  /** The budget against what is known of the model's window now (no server asked). */
  now(model: ModelSpec): Budget {
    const { windows } = this.options;
    const toolsOff = model.compat?.supportsTools === false || windows.toolsUsable(model) === false;
    return budgetFor(model, windows.known(model), this.options.reserveTokens, { tokenRatio: windows.tokenRatio(model), toolsOff });
  }

  /** The budget a reply of `ref` was sent under: the turn's own for the model it was planned for, the model's own (the client's cap on it) for another. */
  answer(ref: ModelRef, planned: Budget, maxTokens: number | undefined): Budget {
    const model = this.options.catalog.models.get(ref);
    if (!model) return planned;
    if (ref !== planned.model) return withReplyCap(this.now(model), maxTokens);
    // The planned model's server said a smaller window since the plan (its overflow stated it, planned while it did not answer): its call again is held to that window's reply room.
    const now = this.now(model);
    return now.window < planned.window ? withReplyCap(now, maxTokens) : planned;
  }

  /** Where the reply limit `limit` of a call to `ref` came from: its maxTokens, or the room kept in `window` (served where smaller than its contextWindow). */
  replyLimitSource(ref: ModelRef, limit: number, window: number): ReplyLimitSource | undefined {
    const model = this.options.catalog.models.get(ref);
    if (!model) return undefined;
    if (limit === model.maxTokens) return { by: "config", model: ref };
    return { by: "window", model: ref, window, served: window < model.contextWindow, kind: this.options.windows.serverKind?.(model) };
  }

  /**
   * Whether a prompt's size for `model` is only the four-characters-a-token estimate: its server never
   * counted one (not in this process, not in an earlier one that kept its count), and no reply of the
   * model in the session says how it counts. What `/status` and the context meter then call estimated.
   */
  countEstimated(model: ModelSpec, entries: readonly SessionEntry[]): boolean {
    if ((this.options.windows.tokenCount?.(model) ?? "estimated") !== "estimated") return false;
    return !entries.some((entry) => entry.type === "assistant" && entry.message.model === model.ref && !entry.message.usage.estimated);
  }
}

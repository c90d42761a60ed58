import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import type { FittedContext } from "../models/route-request.js";
import type { SessionEntry } from "../sessions/entries.js";
import type { AgentEvent, CompactionOutcome } from "./agent-events.js";
import { shouldCompact, type Budget, type PromptView } from "./context-budget.js";
import type { Fold } from "./compactor.js";
import { turnTooLarge } from "./message-size.js";

export interface CandidatePlanning {
  /** The session's entries as saved: the whole history every candidate's context is fitted from. */
  entries: readonly SessionEntry[];
  /** The user entry of the turn under way. */
  pending: string;
  compactionEnabled: boolean;
  /** The budget of a call to `model` this turn (its effective window; the client's reply cap). */
  budget: (model: ModelSpec) => Promise<Budget>;
  /** The ratio `model` is skipped by before any call (ContextWindows.judgingRatio: a kept one at most 1); absent: the budget's. */
  judgingRatio?: ((model: ModelSpec) => number) | undefined;
  /** The prompt of the whole history (`entries`), built once for the step: counted per candidate's budget, never rebuilt. */
  whole: PromptView;
  /** The prompt of `entries` (with a fold not yet saved, or every earlier turn left out), and its size as any budget's model counts it. */
  view: (entries: readonly SessionEntry[]) => PromptView;
  /**
   * A fold (summary or trim, not saved) that fits `model`'s budget; `force` after it overflowed;
   * `coldLoadFallback`: the turn has a next model to answer while `model`'s server loads it.
   */
  fold: (model: ModelSpec, fold: { budget: Budget; force: boolean; coldLoadFallback?: boolean }) => Promise<Fold>;
}

/**
 * One step of a turn: the context each candidate the router calls is sent — fitted to that model's
 * own window from the whole history, when the router is about to call it (never for a model skipped
 * as cooling, keyless or down) — and the fold (compaction or trim) each needed. Only the answering
 * model's fold is saved: a fallback is never sent, and the session never keeps, a history cut for
 * another model's window. A model whose window cannot hold the turn itself, whatever is folded, is
 * not sent it (nor asked for a summary): the router skips it, saying why.
 */
export class CandidateContexts {
  private readonly folds = new Map<ModelRef, Fold>();
  private readonly told = new Set<ModelRef>();
  /** Models whose fold was made while a later candidate was to answer: a summary of theirs was not waited for. */
  private readonly notWaited = new Set<ModelRef>();
  /** The prompt of the pending turn alone (see turnAlone), once asked. */
  private alone: PromptView | undefined;

  constructor(private readonly planning: CandidatePlanning) {}

  /** The whole conversation as the step sends it where it fits: what the router is given, built once. */
  get whole(): Context {
    return this.planning.whole.context;
  }

  /**
   * The context for `model`: the whole conversation where it fits its budget, else compacted or trimmed for
   * it. `turn.next`: the candidate the router calls should this one not answer — a summary this model is
   * asked for is not waited on while its server loads it (`onColdLoad: "fallback"`): that one answers.
   */
  async contextFor(model: ModelSpec, turn: { next?: ModelRef | undefined } = {}): Promise<FittedContext> {
    const { entries, compactionEnabled } = this.planning;
    const made = this.folds.get(model.ref);
    // Asked again (the router went back to wait for it): a fold stands unless it was made not waiting for the model's load.
    if (made && !(this.notWaited.has(model.ref) && turn.next === undefined)) return this.planning.view(withFold(entries, made)).context;
    const budget = await this.planning.budget(model);
    const { whole } = this.planning;
    const tokens = whole.tokens(budget);
    if (!shouldCompact(tokens, budget, true)) return whole.context;
    // Not even the turn itself fits (a message larger than the window): nothing to fold, and no summary asked of a model it is not sent to.
    // Judged before any call: a ratio only kept from an earlier process does not stop the call that would count it anew.
    const tooLarge = this.tooLargeAlone(model, { ...budget, tokenRatio: this.planning.judgingRatio?.(model) ?? budget.tokenRatio });
    if (tooLarge) return { tooLarge };
    if (!shouldCompact(tokens, budget, compactionEnabled)) return whole.context;
    const coldLoadFallback = turn.next !== undefined;
    const fold = await this.planning.fold(model, { budget, force: false, coldLoadFallback });
    this.folds.set(model.ref, fold);
    if (coldLoadFallback) this.notWaited.add(model.ref);
    else this.notWaited.delete(model.ref);
    return this.planning.view(withFold(entries, fold)).context;
  }

  /** Why the turn itself cannot fit `model`'s budget, whatever is folded (see turnTooLarge); undefined: it can. */
  private tooLargeAlone(model: ModelSpec, budget: Budget): string | undefined {
    const alone = this.turnAlone();
    return turnTooLarge(model, budget, { context: alone.context, tokens: alone.tokens(budget) });
  }

  /**
   * The prompt with every turn before the pending one left out (what no fold makes smaller), built once
   * a step: from the pending message on, after a trim that keeps it — no summary, and no reply of the
   * whole history calibrates its count (its estimate is scaled by each model's own ratio).
   */
  private turnAlone(): PromptView {
    if (this.alone) return this.alone;
    const { entries, pending } = this.planning;
    const from = entries.findIndex((entry) => entry.type === "user" && entry.id === pending);
    const trim: SessionEntry = { type: "trim", id: "turn-alone", at: "", firstKeptId: pending, tokensBefore: 0, reason: "every earlier turn left out" };
    this.alone = this.planning.view([...entries.slice(Math.max(0, from)), trim]);
    return this.alone;
  }

  /**
   * `model` overflowed with the context it was sent: a smaller one, folded harder from the whole
   * history, or undefined when nothing more can be left out (the router moves on) — or when the window
   * the overflow named cannot hold the turn itself (no summary is asked of it then). The fold it was
   * sent stands where the harder one folds nothing more.
   */
  async afterOverflow(model: ModelSpec): Promise<Context | undefined> {
    const before = this.folds.get(model.ref)?.entry;
    const budget = await this.planning.budget(model);
    if (this.tooLargeAlone(model, budget)) return undefined;
    const fold = await this.planning.fold(model, { budget, force: true });
    if (!fold.entry) return undefined;
    if (before && before.type === "trim" && fold.entry.type === "trim" && before.firstKeptId === fold.entry.firstKeptId) return undefined;
    this.folds.set(model.ref, fold);
    this.told.delete(model.ref);
    return this.planning.view(withFold(this.planning.entries, fold)).context;
  }

  /**
   * Tells the channel what the fold sent to `ref` did, once: as that model starts answering (so a
   * stream says it before the answer), or as its answer is saved. Never for a model that did not answer.
   */
  tell(ref: ModelRef, emit: (event: AgentEvent) => void): void {
    const said = this.folds.get(ref)?.said;
    if (!said || this.told.has(ref)) return;
    this.told.add(ref);
    emit(said);
  }

  /** The fold the context sent to `ref` was made with; undefined: it was sent the whole conversation. */
  foldOf(ref: ModelRef): Fold | undefined {
    return this.folds.get(ref);
  }
}

/** The entries with a fold's entry after them, as they will be once it is saved. */
function withFold(entries: readonly SessionEntry[], fold: Fold): readonly SessionEntry[] {
  return fold.entry ? [...entries, fold.entry] : entries;
}

/** What a turn reports of its compactions: a step's summary or trim outlasts a later step's "nothing to fold". */
export function turnCompaction(before: CompactionOutcome | undefined, step: CompactionOutcome | undefined): CompactionOutcome | undefined {
  if (step === undefined) return before;
  const folded = (outcome: CompactionOutcome | undefined): boolean => outcome?.outcome === "compacted" || outcome?.outcome === "trimmed";
  return folded(before) && !folded(step) ? before : step;
}

import type { SessionEntry } from "../sessions/entries.js";

/** A set of turn ids as the fold reads and adds to it. */
export interface MarkSet {
  has(id: string): boolean;
  add(id: string): void;
}

/** The turns' marks, and what the fold keeps to mark the turns after them. */
export interface MarkSets {
  unanswered: MarkSet;
  cutOff: MarkSet;
  replaced: MarkSet;
  /** Turns answered in full: a resend of one replaces it only when the resend is answered (or under way). */
  complete: MarkSet;
  /** A try that got no answer → the message it sent again: a resend of that try resends that message (a Retry of a regenerate that failed replaces what the regenerate would have). */
  sentAgain: { get(id: string): string | undefined; set(id: string, to: string): void };
}

/** The turn the fold is in (its user entry met, its end not yet). */
export interface OpenTurn {
  turn: string | undefined;
  resendOf: string | undefined;
  answered: boolean;
  failed: boolean;
  stop: string | undefined;
}

/** Empty marks, as the sets and map they are. */
export function freshMarkSets(): MarkSets & { unanswered: Set<string>; cutOff: Set<string>; replaced: Set<string> } {
  return { unanswered: new Set(), cutOff: new Set(), replaced: new Set(), complete: new Set(), sentAgain: new Map() };
}

/** Sets that read `base` and add to themselves: what a fold adds on top of another is not added to it. */
export function markSetsOver(base: MarkSets): MarkSets {
  // Most folds on top add nothing, or a turn or two: the base is asked first, and no set is made until one is added.
  const over = (under: MarkSet): MarkSet => {
    let own: Set<string> | undefined;
    return { has: (id) => under.has(id) || (own !== undefined && own.has(id)), add: (id) => void (own ??= new Set()).add(id) };
  };
  const links = new Map<string, string>();
  return {
    unanswered: over(base.unanswered),
    cutOff: over(base.cutOff),
    replaced: over(base.replaced),
    complete: over(base.complete),
    sentAgain: { get: (id) => links.get(id) ?? base.sentAgain.get(id), set: (id, to) => void links.set(id, to) },
  };
}

/**
 * The turns' marks (see turnMarks) folded one entry at a time: `add` each entry in order, `close` at
 * the end. `pending`: the turn under way, whose message has no answer yet and is not unanswered.
 */
export class TurnMarksFold {
  readonly open: OpenTurn;

  constructor(
    readonly sets: MarkSets,
    private readonly pending: string | undefined,
    open?: OpenTurn,
  ) {
    this.open = open ? { ...open } : { turn: undefined, resendOf: undefined, answered: false, failed: false, stop: undefined };
  }

  add(entry: SessionEntry): void {
    const { sets, open } = this;
    if (entry.type === "user") {
      this.close();
      open.turn = entry.id;
      open.answered = false;
      open.failed = false;
      open.stop = undefined;
      open.resendOf = entry.retryOf === undefined ? undefined : (sets.sentAgain.get(entry.retryOf) ?? entry.retryOf);
      if (open.resendOf !== undefined && sets.cutOff.has(open.resendOf)) sets.replaced.add(open.resendOf);
    } else if (entry.type === "assistant") {
      open.answered = true;
      open.stop = entry.message.stopReason;
    } else if (entry.type === "turn-failed") {
      open.stop = undefined;
      if (open.turn !== undefined) {
        sets.unanswered.add(open.turn);
        open.answered = true; // already counted
        open.failed = true;
      }
    }
  }

  /** Ends the turn under way (a user entry does it before its own turn begins). */
  close(): void {
    const { sets, pending } = this;
    const { turn, resendOf, answered, failed, stop } = this.open;
    if (turn === undefined) return;
    if (!answered && turn !== pending) sets.unanswered.add(turn);
    if (resendOf !== undefined && sets.unanswered.has(turn)) sets.sentAgain.set(turn, resendOf);
    if (stop === "length" || stop === "error" || stop === "aborted") sets.cutOff.add(turn);
    else if (answered && !failed) sets.complete.add(turn);
    if (resendOf !== undefined && sets.complete.has(resendOf) && (turn === pending || (answered && !failed))) sets.replaced.add(resendOf);
  }
}

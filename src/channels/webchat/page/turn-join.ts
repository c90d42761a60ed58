import type { ModelNames } from "../../../models/waiting-notice.js";
import { applyAgentEvent, newLiveTurn, type LiveTurn } from "./live-turn.js";
import type { AgentEvent } from "./wire-types.js";

/** A turn under way as the gateway last told it: its id, how many live events it told, and those events. */
export interface TurnSnapshot {
  turn: string;
  seq: number;
  events: readonly AgentEvent[];
}

/** The turn rebuilt from a snapshot: its events folded as the live ones are, so it shows what a page that watched it shows. */
export function turnFromSnapshot(snapshot: TurnSnapshot, names?: ModelNames): LiveTurn {
  const turn = newLiveTurn(snapshot.turn);
  for (const event of snapshot.events) applyAgentEvent(turn, event, names);
  turn.seq = snapshot.seq;
  return turn;
}

/**
 * Whether a live event is new to the turn held: one numbered at or below what the turn holds is in it
 * already (a snapshot that came after it). A new one is taken: the turn now holds up to it. An event
 * without a number (told before the turn began, or by an older gateway) is always new.
 */
export function takeEvent(turn: LiveTurn, stamp: { turn?: string | undefined; seq?: number | undefined }): boolean {
  if (stamp.seq === undefined || stamp.turn === undefined || turn.turn !== stamp.turn) return true;
  if (stamp.seq <= turn.seq) return false;
  turn.seq = stamp.seq;
  return true;
}

/**
 * A snapshot joined to the turn held for its session: whichever is further along is kept — the held
 * turn when it is the same turn with as many events or more, else the snapshot, folded into the held
 * object (the view keeps drawing the same one). Returns the turn now held.
 */
export function joinSnapshot(held: LiveTurn | undefined, snapshot: TurnSnapshot, names?: ModelNames): LiveTurn {
  if (held && held.turn === snapshot.turn && held.seq >= snapshot.seq) return held;
  const rebuilt = turnFromSnapshot(snapshot, names);
  if (!held) return rebuilt;
  Object.assign(held, rebuilt);
  return held;
}

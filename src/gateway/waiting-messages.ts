import type { WaitingMessage } from "./port.js";

/** Why a message waits behind a turn of this gateway's on the same session. */
export const BEHIND_A_TURN = "waiting for the answer before it to finish";
/** A message whose turn is about to begin (nothing before it here): it waits only if another process holds the session (HELD_ELSEWHERE). */
export const WAITING_TO_BEGIN = "waiting for its turn to begin";
/** Why a message waits for another process's hold on the session (a live `hearth agent`, or a stopped gateway's lock not yet stale). */
export const HELD_ELSEWHERE = "waiting: another hearth process holds this conversation (the hold of one that stopped clears by itself within seconds)";
/** Why a message a stopped hearth had taken in is not in the conversation yet (recovery waits for the session). */
export const KEPT_UNWRITABLE = "kept: this conversation's file could not be written when it came; saved here, unanswered, as soon as it can be (tried every 15 s)";
export const KEPT_FROM_STOP = "kept from before hearth stopped: saved here, unanswered, once the stopped hearth's hold on this conversation clears";

/** A message shown waiting: `because` says why it waits now, `leave` that it waits no more (safe more than once). */
export interface ShownWaiting {
  because(why: string): void;
  leave(): void;
}

/** One message shown waiting; `why` changes as its wait does. */
interface Waiting {
  message: WaitingMessage;
}

/**
 * The messages taken in whose turn has not begun, per session, in arrival order: until its turn
 * saves it a waiting message is in no session file, and a page opened (or reloaded) meanwhile shows
 * it from here, waiting, with why. Nothing is kept for a session with none.
 */
export class WaitingMessages {
  private readonly bySession = new Map<string, Set<Waiting>>();

  /** A message waits from now. */
  enter(session: string, message: WaitingMessage): ShownWaiting {
    const waiting: Waiting = { message };
    const line = this.bySession.get(session) ?? new Set<Waiting>();
    line.add(waiting);
    this.bySession.set(session, line);
    return {
      because: (why) => {
        waiting.message = { ...waiting.message, why };
      },
      leave: () => {
        line.delete(waiting);
        if (line.size === 0 && this.bySession.get(session) === line) this.bySession.delete(session);
      },
    };
  }

  /** The session's waiting messages, oldest first. */
  in(session: string): WaitingMessage[] {
    return [...(this.bySession.get(session) ?? [])].map((waiting) => waiting.message);
  }
}

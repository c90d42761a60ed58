import { checkSessionKey, type SessionStore } from "../sessions/session-store.js";
import type { LiveTurns } from "./live-turns.js";
import type { ConversationSnapshot, TranscriptItem, WaitingMessage } from "./port.js";
import { transcriptItems, type TranscriptOptions } from "./transcript.js";

/** What a conversation snapshot is read with. */
export interface SnapshotSources {
  session: string;
  store: SessionStore;
  /** How a fallback notice names models (the agent's fallbackNotice on), or undefined: no notice. */
  describe: TranscriptOptions["describe"];
  /** The turns under way in this gateway, for a live snapshot; undefined: the saved items only. */
  live: LiveTurns | undefined;
  /** Whether a turn of the session is queued or running in this gateway (asked after the read). */
  queued: () => boolean;
  /** The messages waiting for their turn (in no session file yet), asked after the read: one whose turn began meanwhile is in what was read, or live. */
  waiting: () => readonly WaitingMessage[];
}

/**
 * A session's conversation. With `live`, a turn under way in this gateway cuts it: the saved items up
 * to its message (shown waiting, where it was first said for a resend, or as told when not yet
 * written), and the turn's answer so far beside them — so the items never hold part of what the
 * snapshot holds (the words it saved before its tools ran); then the messages still waiting for their
 * turn. The snapshot is taken after the read: an entry the read saw was written after its turn began,
 * so the cut finds it.
 */
export async function conversationSnapshot(sources: SnapshotSources): Promise<ConversationSnapshot> {
  const { session, store, describe } = sources;
  const entries = (await store.read(checkSessionKey(session))).entries;
  const cut = sources.live?.cut(session);
  const live = sources.live?.snapshot(session);
  if (!cut || !live) {
    // A turn under way (here, or in another process holding the session's lock): its message is waiting for its answer, not unanswered.
    const underWay = sources.queued() || (await store.locked(session));
    const pending = underWay ? entries.findLast((entry) => entry.type === "user")?.id : undefined;
    return { items: transcriptItems(entries, { pending, describe }), live: undefined, waiting: sources.waiting() };
  }
  const at = cut.messageId === undefined ? -1 : entries.findIndex((entry) => entry.type === "user" && entry.id === cut.messageId);
  const items: TranscriptItem[] = transcriptItems(at >= 0 ? entries.slice(0, at + 1) : entries, { pending: at >= 0 ? cut.messageId : cut.retryOf, describe });
  // Not written yet when the file was read: the message as its turn told it (a resend is shown where it was first said).
  if (at < 0 && cut.retryOf === undefined) items.push({ role: "user", text: live.text, at: live.at });
  const { session: _session, ...turn } = live;
  return { items, live: turn, waiting: sources.waiting() };
}

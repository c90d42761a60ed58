import { FileSystemFault, isStateDirRefusal, type StatePlace, type WriteWatch } from "../shared/fs-fault.js";
import { localClock } from "../shared/local-time.js";

/** A place in the state dir that refused a write, until a write there succeeds again. */
export interface StateWriteFailure {
  /** The refusal as the user reads it: the path, what is wrong and the fix. */
  message: string;
  /** When the first write of this spell was refused (ms since the epoch). */
  since: number;
}

/** What a place refusing its writes means for the user meanwhile. */
const MEANWHILE: Record<StatePlace, string> = {
  sessions: "conversations are not saved meanwhile (a web chat or WhatsApp message waits in the journal until its conversation can take it)",
  journal: "web chat and WhatsApp messages are refused meanwhile (the page holds its own and sends them again; a WhatsApp sender is told to send again later)",
};

/** The folder each place is, in the words of the problem. */
const FOLDER: Record<StatePlace, string> = { sessions: "sessions/", journal: "inbox/" };

/**
 * Whether the gateway can save now, as its last write to each place of the state dir found (sessions/: a
 * session saved; inbox/: a message kept in the journal): a refusal (a full disk, a read-only or unwritable
 * folder) is a fact it holds — a setup problem, on the page and in `gateway status` — until a write to that
 * same place succeeds again (a write elsewhere says nothing of it: the two folders may be on different disks,
 * or only one of them unwritable). `onChange` hears each change (the gateway announces its setup problems again).
 */
export class StateWrites implements WriteWatch {
  private readonly failures = new Map<StatePlace, StateWriteFailure>();

  constructor(private readonly options: { onChange: () => void; clock?: (() => number) | undefined }) {}

  wrote(place: StatePlace): void {
    if (!this.failures.delete(place)) return;
    this.options.onChange();
  }

  failed(place: StatePlace, error: unknown): void {
    // The state dir refusing the write (isStateDirRefusal) — but not one session file that is a directory (EISDIR: that session's problem alone).
    if (!(error instanceof FileSystemFault) || !isStateDirRefusal(error) || error.code === "EISDIR") return;
    const message = [error.message, ...error.details.map((line) => (line.startsWith("fix: ") ? line : `fix: ${line}`))].join(" — ");
    const before = this.failures.get(place);
    if (before?.message === message) return;
    this.failures.set(place, { message, since: before?.since ?? (this.options.clock ?? Date.now)() });
    this.options.onChange();
  }

  /** A setup problem for each place that refuses writes, the longest-standing first; none once each took a write again. */
  problems(): string[] {
    return [...this.failures]
      .sort(([, a], [, b]) => a.since - b.since)
      .map(([place, failure]) => `hearth cannot save to its state dir (since ${localClock(failure.since)}): ${failure.message}; ${MEANWHILE[place]} — this clears at the next write to ${FOLDER[place]} that succeeds`);
  }
}

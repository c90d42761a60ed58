import { FileSystemFault, isStateDirRefusal, type WriteWatch } from "../shared/fs-fault.js";
import { localClock } from "../shared/local-time.js";

/** A state dir that refused a write, until one succeeds again. */
export interface StateWriteFailure {
  /** The refusal as the user reads it: the path, what is wrong and the fix. */
  message: string;
  /** When the first write of this spell was refused (ms since the epoch). */
  since: number;
}

/**
 * Whether the gateway can save now, as its last write to the state dir found (a session saved, a message
 * kept in the journal): a refusal (a full disk, a read-only or unwritable state dir) is a fact it holds —
 * a setup problem, on the page and in `gateway status` — until a write succeeds again. `onChange` hears
 * each change (the gateway announces its setup problems again).
 */
export class StateWrites implements WriteWatch {
  private failure: StateWriteFailure | undefined;

  constructor(private readonly options: { onChange: () => void; clock?: (() => number) | undefined }) {}

  wrote(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.options.onChange();
  }

  failed(error: unknown): void {
    // The state dir refusing the write (isStateDirRefusal) — but not one session file that is a directory (EISDIR: that session's problem alone).
    if (!(error instanceof FileSystemFault) || !isStateDirRefusal(error) || error.code === "EISDIR") return;
    const message = [error.message, ...error.details.map((line) => (line.startsWith("fix: ") ? line : `fix: ${line}`))].join(" — ");
    if (this.failure?.message === message) return;
    this.failure = { message, since: this.failure?.since ?? (this.options.clock ?? Date.now)() };
    this.options.onChange();
  }

  /** The setup problem while the state dir refuses writes; undefined once a write succeeded again. */
  problem(): string | undefined {
    if (this.failure === undefined) return undefined;
    return `hearth cannot save to its state dir (since ${localClock(this.failure.since)}): ${this.failure.message}; answers are not saved and messages may be refused meanwhile — this clears at the next write that succeeds`;
  }
}

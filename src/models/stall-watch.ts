import type { ModelRef } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import type { RouterEvent } from "./router-events.js";
import { FIRST_NOTICE_MS, nextNoticeGap } from "./notice-schedule.js";

export interface StallWatchOptions {
  clock: Clock;
  model: ModelRef;
  promptTokens: number;
  /** The model tried after this one if the stall ends the call (undefined: the turn gives up, keeping what was said). */
  next: ModelRef | undefined;
  /** The idle limit: the longest silence between two tokens before the call fails (0: none, and nothing is said). */
  idleMs: number;
  emit: (event: Extract<RouterEvent, { type: "attempt-waiting" }>) => void;
  /** Told at each notice, with the silence so far: a local model's call looks whether its server is still there. */
  onSilent?: ((silentMs: number) => void) | undefined;
}

/**
 * The silence of an answer under way, as the user sees it: a server that froze mid-answer shows no
 * new words, so after a few seconds without a token the wait is said (`attempt-waiting` with
 * `midAnswer`), as for a first token — what is awaited and what comes at the idle limit — and again
 * ever less often while it lasts (each time, `onSilent` is told); a token starts the count again. One timer at a time, not one per token.
 */
export class StallWatch {
  private lastToken: number;
  /** The silence (ms) at which the next notice is said. */
  private nextNoticeAt = FIRST_NOTICE_MS;
  private timer: { cancel(): void } | undefined;
  private done = false;

  constructor(private readonly options: StallWatchOptions) {
    this.lastToken = options.clock.now();
    if (options.idleMs > 0) this.schedule();
  }

  /** A token came, shown or not (a piece of a tool call's arguments): the silence starts again from now (the timer in flight looks again when it fires). */
  token(): void {
    if (this.done) return;
    this.lastToken = this.options.clock.now();
    this.nextNoticeAt = FIRST_NOTICE_MS;
  }

  /** The call ended: nothing more to say. */
  stop(): void {
    this.done = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    const { clock } = this.options;
    this.timer = clock.setTimeout(() => this.look(), Math.max(0, this.lastToken + this.nextNoticeAt - clock.now()));
  }

  private look(): void {
    if (this.done) return;
    const { clock, model, promptTokens, next, idleMs, emit, onSilent } = this.options;
    const silentMs = clock.now() - this.lastToken;
    if (silentMs >= this.nextNoticeAt) {
      emit({ type: "attempt-waiting", model, waitedMs: silentMs, limitMs: idleMs, promptTokens, state: "unknown", next, midAnswer: true });
      onSilent?.(silentMs);
      this.nextNoticeAt = silentMs + nextNoticeGap(silentMs);
    }
    this.schedule();
  }
}

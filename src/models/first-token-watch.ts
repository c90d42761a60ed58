import type { ModelRef } from "../ai/model-spec.js";
import type { Clock } from "../shared/clock.js";
import { FIRST_NOTICE_MS, nextNoticeGap } from "./notice-schedule.js";
import type { RouterEvent, ServerState } from "./router-events.js";

export interface FirstTokenWatchOptions {
  clock: Clock;
  model: ModelRef;
  promptTokens: number;
  next: ModelRef | undefined;
  /** The first-token limit in force (a cold load raises it, a loaded model lowers it). */
  limit: { ms: number };
  emit: (event: Extract<RouterEvent, { type: "attempt-waiting" }>) => void;
  /** Called once when a lowered limit runs out before the first token (the HTTP watchdog only knows the first one). */
  onExpired: () => void;
  /**
   * Asked `lookMs` before a lowered limit runs out: whether the server says it is busy and working (its
   * slots all taken: the call waits in its queue). True: the limit starts again from now (`onBusy` is told
   * the new limit, from the start); false or no answer by the limit: `onExpired`.
   */
  busy?: { ask: () => Promise<boolean>; lookMs: number; onBusy: (limitMs: number) => void } | undefined;
  /** Told at each notice, with the wait so far: a local model's call looks whether its server is still there. */
  onSilent?: ((waitedMs: number) => void) | undefined;
}

/**
 * The wait for one call's first token, as the user sees it: after a few seconds of silence, what is
 * awaited and what comes next, repeated ever less often while the silence lasts; and the limit, lowered when the
 * server is known to have the model loaded (a loaded model that says nothing is stuck, not reading) — unless
 * the server says, asked just before, that all its slots are busy and working (the call waits in its queue).
 */
export class FirstTokenWatch {
  private readonly started: number;
  private state: ServerState = "unknown";
  private notice: { cancel(): void } | undefined;
  private expiry: { cancel(): void } | undefined;
  private done = false;

  constructor(private readonly options: FirstTokenWatchOptions) {
    this.started = options.clock.now();
    this.notice = options.clock.setTimeout(() => this.tell(), FIRST_NOTICE_MS);
  }

  /** The server reported the model loading (the limit was raised by the caller): a limit lowered for a loaded model no longer holds. */
  loading(): void {
    this.state = "loading";
    this.expiry?.cancel();
  }

  /**
   * The server reported the model loaded (or, `state` "answered", it answered this model lately): a first token
   * should come within `limitMs` of the start.
   */
  loaded(limitMs: number, state: "loaded" | "answered" = "loaded"): void {
    if (this.done) return;
    this.state = state;
    const { limit } = this.options;
    if (limitMs >= limit.ms) return;
    limit.ms = limitMs;
    this.period = limitMs;
    this.arm(this.started + limitMs);
  }

  /** The lowered limit in force, counted from the start or from the server's last word that it was busy. */
  private period = 0;

  /** Silence until `deadline` (clock time) means stuck; the server is asked first where it can say it is busy. */
  private arm(deadline: number): void {
    const { clock, busy } = this.options;
    this.expiry?.cancel();
    const lookAt = busy ? deadline - busy.lookMs : deadline;
    this.expiry = clock.setTimeout(() => this.look(deadline), Math.max(0, lookAt - clock.now()));
  }

  private look(deadline: number): void {
    if (this.done) return;
    const { clock, busy, onExpired } = this.options;
    if (!busy) {
      onExpired();
      return;
    }
    let decided = false;
    this.expiry = clock.setTimeout(
      () => {
        if (this.done || decided) return;
        decided = true;
        onExpired();
      },
      Math.max(0, deadline - clock.now()),
    );
    void busy
      .ask()
      .catch(() => false)
      .then((working) => {
        if (this.done || decided || !working) return;
        decided = true;
        // A queue, not a hang: the limit starts again, and the server is asked again before it runs out.
        const next = clock.now() + this.period;
        busy.onBusy(next - this.started);
        this.arm(next);
      });
  }

  /** A token arrived, or the call ended: nothing more to say. */
  stop(): void {
    this.done = true;
    this.notice?.cancel();
    this.expiry?.cancel();
  }

  private tell(): void {
    if (this.done) return;
    const { clock, model, promptTokens, next, limit, emit, onSilent } = this.options;
    const waitedMs = clock.now() - this.started;
    emit({ type: "attempt-waiting", model, waitedMs, limitMs: limit.ms, promptTokens, state: this.state, next });
    onSilent?.(waitedMs);
    this.notice = clock.setTimeout(() => this.tell(), nextNoticeGap(waitedMs));
  }
}

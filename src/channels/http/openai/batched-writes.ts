import type { SseOut } from "./sse-body.js";

/** Text not yet taken by the client past which `add` waits (a client that reads slowly holds the writer back). */
const DEFAULT_MAX_QUEUED = 64 * 1024;

/**
 * A stream's text, written in one piece per turn of the event loop: the events that one read of the
 * upstream brings (under load, many frames at once) go to the client as one write instead of one
 * write each — each write is a system call and a wake-up of the client. In order; the text goes out
 * at the end of the turn it was added in (the check phase, before any timer), so nothing waits longer.
 */
export class BatchedWrites {
  private pending = "";
  private immediate: NodeJS.Immediate | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Characters handed to the client's stream and not yet taken. */
  private queued = 0;

  constructor(
    private readonly out: SseOut,
    private readonly maxQueued = DEFAULT_MAX_QUEUED,
  ) {}

  /** Adds text; undefined when the writer may go on at once, else a promise of the client catching up. */
  add(text: string): Promise<void> | undefined {
    if (text === "") return undefined;
    this.pending += text;
    this.immediate ??= setImmediate(() => this.flush());
    return this.queued + this.pending.length >= this.maxQueued ? this.drained() : undefined;
  }

  /** True while text given earlier has not been taken by the client yet. */
  get busy(): boolean {
    return this.queued > 0 || this.pending !== "";
  }

  /** Writes what is pending now; resolves once everything added so far has been taken. */
  drained(): Promise<void> {
    this.flush();
    return this.chain;
  }

  private flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    // Nothing still on its way and a writer that can say so: written now, and no promise unless the client is behind.
    if (this.queued === 0 && this.out.writeNow) {
      const behind = this.out.writeNow(text);
      if (behind === undefined) return;
      this.queued += text.length;
      this.chain = behind.then(() => {
        this.queued -= text.length;
      });
      return;
    }
    this.queued += text.length;
    this.chain = this.chain.then(async () => {
      await this.out.write(text);
      this.queued -= text.length;
    });
  }
}

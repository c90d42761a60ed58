import { KeyShapeStream } from "./key-shape-stream.js";
import { REDACTED } from "./redacted.js";
import type { SecretRedactor } from "./secret-redactor.js";

/** How much of what a stream has shown is kept to read the next piece after (the redactor reads its last 32 characters). */
const SHOWN_KEPT = 64;

/** A known secret's beginning this long, where a stream stopped, is masked: shorter says nothing of the key (`sk-`), longer gives part of it away. */
const PARTIAL_MASKED = 8;

/**
 * One text that comes in pieces (a reply's streamed text), masked as the redactor masks a whole text:
 * every secret it knows, in any form (held back while the end of what came could be one's beginning:
 * SecretRedactor.partialFrom), then every key-shaped token (held back while the end could be one's:
 * key-shape-stream.ts). Nothing is lost, only masked, and nothing is held longer than needed.
 */
export class SecretStream {
  private held = "";
  /** The last characters shown, as written: a run of a secret begun there (too short to hold back) is masked on from the next piece. */
  private shown = "";
  private readonly shapes = new KeyShapeStream();
  /** A piece came since the stream began (or last ended, or was reset): otherwise there is nothing to end. */
  private open = false;

  constructor(private readonly secrets: SecretRedactor) {}

  /** What may be shown now of the text so far (its part not shown yet). */
  push(piece: string): string {
    this.open = true;
    const text = this.held + piece;
    const from = this.secrets.partialFrom(text, { shownBefore: this.shown });
    this.held = text.slice(from);
    const released = text.slice(0, from);
    const known = this.secrets.redactKnown(released, { shownBefore: this.shown });
    this.shown = (this.shown + released).slice(-SHOWN_KEPT);
    return this.shapes.push(known);
  }

  /**
   * The rest, once the text ends (at the end of a reply, or before another event: a failure). Held text
   * is what could be a known secret's beginning; if the stream stopped there (a server that broke off
   * in the middle of echoing a key), PARTIAL_MASKED characters or more of it are a piece of the key:
   * masked, not shown. Ready for a new text after.
   */
  end(): string {
    // Nothing came since the stream began: nothing is held, and it is as fresh as an end leaves it (a turn's or a
    // proxied answer's every other event ends its three streams, most of them never used).
    if (!this.open) return "";
    this.open = false;
    const { held, shown } = this;
    // Whole secrets first: a key and what follows it ("KEY." at the end) are a key and a full stop, not a
    // key's beginning (read as one, the full stop was masked with it: a character of the answer lost).
    // Then what is left at the very end that could begin one: the stream stopped there, mid-key.
    const masked = this.secrets.redactKnown(held, { shownBefore: shown });
    const from = this.secrets.partialFrom(masked, { streamEnded: true, shownBefore: shown });
    const known = masked.length - from >= PARTIAL_MASKED ? `${masked.slice(0, from)}${REDACTED}` : masked;
    this.held = "";
    this.shown = "";
    return this.shapes.end(known);
  }

  /** Forgets the text (a fresh answer replaces it). */
  reset(): void {
    this.open = false;
    this.held = "";
    this.shown = "";
    this.shapes.reset();
  }
}

/**
 * A text whose stream stopped at its end (an answer cut off or stopped mid-way), masked as SecretStream
 * showed it: whole-text redaction would leave a known key's beginning there (fewer characters than a
 * run it masks), which the stream, ending, masked (PARTIAL_MASKED) — what is kept must not give more away.
 */
export function maskStreamEnd(secrets: SecretRedactor, text: string): string {
  const stream = new SecretStream(secrets);
  return stream.push(text) + stream.end();
}

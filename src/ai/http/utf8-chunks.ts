import { StringDecoder } from "node:string_decoder";

/**
 * A body's bytes as text, chunk by chunk: a character split across two chunks is joined, and a byte
 * order mark at the very start is dropped (as TextDecoder drops it). A StringDecoder, not
 * TextDecoder: its streaming decode costs several times more per chunk.
 */
export class Utf8Chunks {
  private readonly decoder = new StringDecoder("utf8");
  private first = true;

  /** The text of `chunk` (what completes a character of the chunk before included, what begins one left for the next). */
  write(chunk: Buffer): string {
    return this.start(this.decoder.write(chunk));
  }

  /** What is left at the end (a character cut short becomes U+FFFD). */
  end(): string {
    return this.start(this.decoder.end());
  }

  private start(text: string): string {
    if (!this.first || text === "") return text;
    this.first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

import { Writable } from "node:stream";

/**
 * The terminal as readline sees it, with a switch: while a turn runs, what the user types is kept in
 * readline's line (and shown at the next prompt) but not drawn over the spinner or the answer.
 */
export class EchoGate extends Writable {
  muted = false;

  constructor(private readonly terminal: NodeJS.WritableStream & { columns?: number; rows?: number; isTTY?: boolean }) {
    super();
    terminal.on("resize", () => this.emit("resize"));
  }

  get columns(): number | undefined {
    return this.terminal.columns;
  }

  get rows(): number | undefined {
    return this.terminal.rows;
  }

  get isTTY(): boolean {
    return Boolean(this.terminal.isTTY);
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.muted) callback();
    else this.terminal.write(chunk, callback);
  }
}

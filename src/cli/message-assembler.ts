const FENCE = '"""';

/**
 * Lines → messages, for `hearth chat`. One line is one message, except:
 * - lines that arrive inside a bracketed paste join the message being written (verbatim: a pasted
 *   `\` or `"""` is text); the line the user then ends with Enter completes it;
 * - a line ending in `\` continues on the next line (the `\` is dropped);
 * - a line starting with `"""` opens a block that a line ending in `"""` closes.
 * Pure: the terminal and the pipe feed it the same way.
 */
export class MessageAssembler {
  private pending: string[] = [];
  private mode: "line" | "continued" | "block" = "line";

  /** True while a message spans lines (the prompt shows that it continues). */
  get continuing(): boolean {
    return this.pending.length > 0 || this.mode !== "line";
  }

  /** One line in; the message when this line completes one. */
  push(line: string, pasted: boolean): string | undefined {
    if (this.mode === "block") {
      const end = line.trimEnd();
      if (!end.endsWith(FENCE)) {
        this.pending.push(line);
        return undefined;
      }
      const last = end.slice(0, -FENCE.length);
      if (last.trim() !== "") this.pending.push(last);
      return this.take();
    }
    if (pasted) {
      this.pending.push(line);
      return undefined;
    }
    const start = line.trimStart();
    if (!this.continuing && start.startsWith(FENCE)) {
      const rest = start.slice(FENCE.length);
      if (rest.trimEnd().endsWith(FENCE)) return rest.trimEnd().slice(0, -FENCE.length);
      this.mode = "block";
      if (rest.trim() !== "") this.pending.push(rest);
      return undefined;
    }
    if (line.endsWith("\\")) {
      this.mode = "continued";
      this.pending.push(line.slice(0, -1));
      return undefined;
    }
    // Enter on an empty line after a paste sends what was pasted, without an empty last line.
    if (line !== "" || this.pending.length === 0) this.pending.push(line);
    return this.take();
  }

  /** The end of the input: whatever was still being written, if anything. */
  flush(): string | undefined {
    return this.continuing ? this.take() : undefined;
  }

  /** Ctrl+C: forget the message being written. */
  discard(): void {
    this.pending = [];
    this.mode = "line";
  }

  private take(): string {
    const message = this.pending.join("\n");
    this.discard();
    return message;
  }
}

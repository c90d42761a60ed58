import { createInterface, type Interface } from "node:readline";
import { EchoGate } from "./echo-gate.js";
import { MessageAssembler } from "./message-assembler.js";

const PASTE_ON = "\x1b[?2004h";
const PASTE_OFF = "\x1b[?2004l";

export interface ChatInputOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** A terminal on both sides: line editing, history, bracketed paste, prompts. */
  tty: boolean;
  prompt: string;
  continuationPrompt: string;
  history: string[];
  historySize: number;
}

interface Queued {
  text: string;
  /** Sent with Enter while a turn ran: its echo was held back, so it is shown when its turn comes. */
  typedAhead: boolean;
}

/**
 * What the user says in `hearth chat`, one message at a time. It shows the prompt when it waits;
 * between two waits (a turn running) typing is kept for the next prompt but not drawn. Ctrl+C
 * during a turn calls `onInterrupt`; at the prompt it clears a message being written, or leaves.
 * Leaving with Ctrl+C or Ctrl+D ends the line, so the shell's prompt starts on its own.
 */
export class ChatInput {
  private readonly lines: Interface;
  private readonly gate: EchoGate | undefined;
  private readonly assembler = new MessageAssembler();
  private readonly queue: Queued[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private pasting = false;
  private waiting = false;
  onInterrupt: () => void = () => undefined;

  constructor(private readonly options: ChatInputOptions) {
    this.gate = options.tty ? new EchoGate(options.output) : undefined;
    this.lines = createInterface({
      input: options.input,
      output: this.gate,
      terminal: options.tty,
      history: options.tty ? options.history : [],
      historySize: options.historySize,
    });
    this.lines.on("line", (line) => this.onLine(line));
    this.lines.on("close", () => this.onClose());
    if (options.tty) {
      this.gate?.write(PASTE_ON);
      options.input.on("keypress", (_text: string | undefined, key: { name?: string } | undefined) => {
        if (key?.name === "paste-start") this.pasting = true;
        else if (key?.name === "paste-end") this.pasting = false;
      });
      this.lines.on("SIGINT", () => this.onSigint());
    }
  }

  async *messages(): AsyncGenerator<string> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        if (next.typedAhead) this.options.output.write(`${this.options.prompt}${next.text.replace(/\n/g, `\n${this.options.continuationPrompt}`)}\n`);
        if (this.gate) this.gate.muted = true;
        yield next.text;
        continue;
      }
      if (this.closed) return;
      this.showPrompt();
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  close(): void {
    this.lines.close();
  }

  private showPrompt(): void {
    this.waiting = true;
    if (!this.gate) return;
    this.gate.muted = false;
    this.lines.setPrompt(this.assembler.continuing ? this.options.continuationPrompt : this.options.prompt);
    this.lines.prompt(true);
  }

  private onLine(line: string): void {
    const message = this.assembler.push(line, this.pasting);
    if (message === undefined) {
      // The message goes on: show that on the next line.
      if (this.waiting && this.gate && !this.gate.muted) this.showPrompt();
      return;
    }
    this.queue.push({ text: message, typedAhead: this.gate !== undefined && !this.waiting });
    this.waiting = false;
    this.wake?.();
  }

  private onSigint(): void {
    if (!this.waiting) {
      this.onInterrupt();
      return;
    }
    if (this.lines.line !== "" || this.assembler.continuing) {
      // Ctrl+C at the prompt with something written: drop it, like a shell.
      this.assembler.discard();
      if (this.gate) this.gate.muted = true;
      this.lines.write(null, { ctrl: true, name: "e" });
      this.lines.write(null, { ctrl: true, name: "u" });
      this.options.output.write("^C\n");
      this.showPrompt();
      return;
    }
    this.lines.close();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.gate) {
      if (this.waiting && !this.gate.muted) this.options.output.write("\n");
      this.options.output.write(PASTE_OFF);
    } else {
      const rest = this.assembler.flush();
      if (rest !== undefined) this.queue.push({ text: rest, typedAhead: false });
    }
    this.wake?.();
  }
}

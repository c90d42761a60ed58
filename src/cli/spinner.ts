const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line spinner on a terminal; on anything else it says nothing. */
export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private text = "";

  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly enabled: boolean,
    private readonly colour = true,
  ) {}

  start(text: string): void {
    if (!this.enabled) return;
    this.text = text;
    if (this.timer) return;
    this.timer = setInterval(() => this.draw(), 80);
    this.draw();
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write("\r\x1b[2K");
  }

  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const line = `${FRAMES[this.frame]} ${this.text}…`;
    this.stream.write(`\r\x1b[2K${this.colour ? `\x1b[2m${line}\x1b[0m` : line}`);
  }
}

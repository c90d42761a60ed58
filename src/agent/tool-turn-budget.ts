import type { ToolCall } from "../ai/types.js";
import { closeOpenBlocks } from "./untrusted.js";

/** Most tool calls of one model reply that run; the rest are answered with an error, not run. */
export const DEFAULT_TOOL_CALLS_PER_REPLY = 10;
/** Most characters of tool results one turn keeps (and sends back to the model); past it results are cut. */
export const DEFAULT_TOOL_OUTPUT_PER_TURN = 200_000;

/** Below this much room a result is not worth a fragment: only the note is kept. */
const SMALLEST_FRAGMENT = 500;

/**
 * What one turn's tools may add to the session and to the context sent back: so many calls per
 * reply, so many characters of results over the whole turn. One model reply asking for hundreds of
 * calls would otherwise run them all and send every result back with the next request.
 */
export class ToolTurnBudget {
  private used = 0;
  private cutSaid = false;

  constructor(private readonly limits: { callsPerReply: number; outputChars: number }) {}

  /** The calls of one reply that run, and those past the cap (answered with `refusal`, not run). */
  split(calls: readonly ToolCall[]): { run: readonly ToolCall[]; over: readonly ToolCall[] } {
    return { run: calls.slice(0, this.limits.callsPerReply), over: calls.slice(this.limits.callsPerReply) };
  }

  /** The tool result a call past the cap gets. */
  refusal(asked: number): string {
    return `Not run: this reply asked for ${asked} tool calls, and at most ${this.limits.callsPerReply} run per reply (maxToolCallsPerReply). The first ${this.limits.callsPerReply} ran; ask for the others you still need in your next reply.`;
  }

  /**
   * The result as the turn keeps it: whole while the turn's output is under its limit, then cut with a
   * note saying so. `first` is true the first time a result is cut (for a notice).
   */
  keep(content: string): { content: string; first: boolean } {
    const room = this.limits.outputChars - this.used;
    if (content.length <= room) {
      this.used += content.length;
      return { content, first: false };
    }
    const kept = room >= SMALLEST_FRAGMENT ? room : 0;
    this.used = this.limits.outputChars;
    const first = !this.cutSaid;
    this.cutSaid = true;
    const note = `[${(content.length - kept).toLocaleString("en-US")} characters of this result cut: this turn's tool results reached their limit of ${this.limits.outputChars.toLocaleString("en-US")} characters (maxToolOutputPerTurn). Answer with what you have, or ask for less.]`;
    return { content: kept > 0 ? `${closeOpenBlocks(content.slice(0, kept))}\n${note}` : note, first };
  }
}

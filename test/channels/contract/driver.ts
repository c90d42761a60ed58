// The channel contract's view of a channel: what a person does (send a message in a conversation) and
// what they are shown, read the way that channel shows it. One driver per channel; the clauses in
// contract.ts are written once against this interface.
import type { TranscriptItem } from "../../../src/gateway/port.js";

/** What the person was shown for one message they sent. */
export interface Shown {
  /** The answer as shown ("" when there was none). */
  text: string;
  /** Reasoning shown apart from the answer (the web chat's collapsed part); "" when none was shown. */
  reasoning: string;
  /** The answer's text as it streamed, for channels that stream it (the web chat); undefined otherwise. */
  streamed: string | undefined;
  /** One-line notes shown with the answer: the fallback notice, progress notes, a loading note. */
  notices: string[];
  /** Why the message got no answer, as the channel told it; undefined when it was answered. */
  error: string | undefined;
  /** Everything the channel showed for this message, verbatim (what the secrets clause searches). */
  everything: string[];
}

export interface ChannelDriver {
  readonly name: string;
  /** Whether the channel may show reasoning at all (apart from the answer); WhatsApp never does. */
  readonly showsReasoning: boolean;
  /** Starts the channel over a whole hearth config (JSON) with its sessions in `stateDir`. */
  start(options: { config: object; stateDir: string }): Promise<void>;
  /** Sends one message in a conversation (any short name) and waits until what it comes to is shown. */
  send(conversation: string, text: string): Promise<Shown>;
  /** Sends messages one right after the other, without waiting; what each came to, in the order shown. */
  burst(conversation: string, texts: readonly string[]): Promise<Shown[]>;
  /** The conversation's session transcript as the gateway keeps it. */
  transcript(conversation: string): Promise<readonly TranscriptItem[]>;
  /** Everything else the channel shows beside conversations (the web chat's status), for the secrets clause. */
  surroundings(): Promise<string[]>;
  /** Stops and starts again on the same config and state (a process restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

import { FailureError } from "./http/http-client.js";

/**
 * Characters a token brings on average at most, as the bound counts it: four times what a reply's tokens
 * average (3–5 characters in prose and code alike; a long token, such as a run of spaces, is rare).
 */
const CHARACTERS_PER_TOKEN = 16;
/**
 * The bound never goes below this (a small `maxTokens`) nor above the next: an agent turn held ~55 bytes
 * of memory a character of its reply while it streamed (918 MB at 16 Mi characters).
 */
export const LEAST_REPLY_CHARACTERS = 1024 * 1024;
export const MOST_REPLY_CHARACTERS = 4 * 1024 * 1024;

/** The most characters one reply (text, reasoning and tool-call arguments together) may bring for a model whose reply limit is `maxTokens`. */
export function replyCharacterBound(maxTokens: number): number {
  const asked = Number.isFinite(maxTokens) && maxTokens > 0 ? maxTokens * CHARACTERS_PER_TOKEN : 0;
  return Math.min(MOST_REPLY_CHARACTERS, Math.max(LEAST_REPLY_CHARACTERS, asked));
}

/**
 * Counts what a reply brings and stops it past its bound: a server that does not keep to the reply
 * limit it was sent (a model looping with no `max_tokens` honoured, a broken or hostile server) would
 * otherwise stream until the gateway's memory gave out — 400 MiB of deltas ended the process with a V8
 * fatal error (t17 #1). Past the bound the call fails as a broken stream, saying so.
 */
export class ReplyBound {
  private received = 0;

  constructor(
    private readonly maxTokens: number,
    private readonly bound: number = replyCharacterBound(maxTokens),
  ) {}

  /** Adds `characters` of the reply; throws a "stream-broken" FailureError once past the bound. */
  add(characters: number): void {
    this.received += characters;
    if (this.received <= this.bound) return;
    throw new FailureError({
      kind: "stream-broken",
      message: `the answer passed ${this.bound.toLocaleString("en-US")} characters, far more than its reply limit of ${this.maxTokens.toLocaleString("en-US")} tokens could hold: the server does not keep to the limit it was sent (max_tokens), so hearth stopped reading it — look at the model server (a model repeating itself, a template that never ends the reply)`,
    });
  }
}

/**
 * Why a reply limit sent to a model is below the one a client asked for: the model's `maxTokens` in the
 * config (the adapters never send more), or the room an agent's turn keeps for the reply in the model's
 * context window (a quarter of it, so that prompt and reply fit: see budgetFor).
 */
export type ReplyCapReason = { by: "config" } | { by: "window"; window: number; model: string };

export interface ReplyCap {
  /** The request's own name for the limit: `max_tokens`, `max_completion_tokens`, `max_output_tokens`. */
  field: string;
  asked: number;
  sent: number;
  /** The model's ref: the config sets maxTokens for it under its provider. */
  model: string;
  reason: ReplyCapReason;
}

/**
 * One line for the client when its reply limit was lowered, as hearth says its other substitutions
 * (x-hearth-notice, a stream's `: hearth:` comment): what was asked, what was sent, and why —
 * "max_tokens 100000 asked, 4096 sent to local/m: its maxTokens in the config". Undefined when the
 * request carried the limit asked (or none was asked).
 */
export function replyCapNotice(cap: ReplyCap): string | undefined {
  if (cap.asked <= cap.sent) return undefined;
  const why = cap.reason.by === "config"
    ? `its maxTokens in the config (raise it there for longer replies)`
    : `the room the turn keeps for the reply in ${cap.reason.model === cap.model ? "its" : `${cap.reason.model}'s`} ${cap.reason.window.toLocaleString("en-US")}-token context window`;
  return `${cap.field} ${cap.asked} asked, ${cap.sent} sent to ${cap.model}: ${why}`;
}

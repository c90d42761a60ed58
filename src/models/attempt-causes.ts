/** One attempt as the log and the error bodies name it: which model, what became of it, and why when it failed. */
export interface AttemptCause {
  model: string;
  outcome: string;
  cause?: string | undefined;
}

/** An attempt's failure in words without the leading "<model>: " (the attempt names the model); undefined for the one that answered. */
export function causeOf(attempt: { model: string; outcome: string; message?: string | undefined }): string | undefined {
  const { model, outcome, message } = attempt;
  if (outcome === "ok" || !message) return undefined;
  return message.startsWith(`${model}: `) ? message.slice(model.length + 2) : message;
}

/**
 * Each attempt that did not answer and why, as `hearth agent` lists them: "local/m: unreachable — cannot
 * reach …; anthropic/c: auth — …"; each cause cut at `maxCause` characters when given (the log line: a
 * server that quotes the request back in its error gets no more than that of it into the log).
 */
export function attemptCauses(attempts: readonly AttemptCause[], maxCause = Number.POSITIVE_INFINITY): string {
  const cut = (cause: string): string => (cause.length > maxCause ? `${cause.slice(0, maxCause)}…` : cause);
  return attempts
    .filter((attempt) => attempt.outcome !== "ok")
    .map((attempt) => `${attempt.model}: ${attempt.outcome}${attempt.cause ? ` — ${cut(attempt.cause)}` : ""}`)
    .join("; ");
}

/** Outcomes hearth decides before any call, whose reason no failed-attempt line told: the summary says it. */
const JUDGED_BEFORE_CALL = new Set(["skipped-context", "skipped-tools"]);

/**
 * The route's words when no model answered: each attempt that did not and its outcome, with the reason
 * where hearth skipped a candidate on its own judgement (too large for its window, tools it cannot use)
 * — the channel that shows only this line (the page, `sessions show`, WhatsApp) would otherwise say
 * "skipped-context" and never why. The calls that failed were each told as they failed.
 */
export function noneAnsweredWords(attempts: readonly AttemptCause[]): string {
  const failed = attempts.filter((attempt) => attempt.outcome !== "ok");
  const said = failed.map((attempt) => `${attempt.model}: ${attempt.outcome}${JUDGED_BEFORE_CALL.has(attempt.outcome) && attempt.cause ? ` — ${attempt.cause}` : ""}`);
  return `no model could answer (${said.join("; ")})`;
}

/** How many of the attempts answered: the replies an answer is made of (one per step of an agent's tool turn). */
export function repliesOf(attempts: readonly { outcome: string }[]): number {
  return attempts.filter((attempt) => attempt.outcome === "ok").length;
}

/** The model that was answering when a turn failed: the last attempt that was called (not skipped, not left loading). */
export function lastCalled(attempts: readonly { model: string; outcome: string }[]): string | undefined {
  return [...attempts].reverse().find((attempt) => !attempt.outcome.startsWith("skipped-") && attempt.outcome !== "cold-loading")?.model;
}

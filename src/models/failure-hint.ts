/**
 * The next step after a turn no model answered, from its attempts: a cancelled turn needs none, a
 * turn where nothing could be sent needs a key or a local model, a rejected request needs the
 * request fixed; only servers that failed call for `hearth models status --probe`.
 */
export function failureHint(attempts: readonly { outcome: string }[], command = "hearth"): string {
  const outcomes = attempts.map((attempt) => attempt.outcome);
  if (outcomes.includes("aborted")) return "cancelled; your message is saved in the session";
  if (outcomes.length > 0 && outcomes.every((outcome) => outcome.startsWith("skipped-"))) {
    return outcomes.includes("skipped-no-key")
      ? "nothing was sent: give the hosted models their API keys, or put a local model in the chain; your message is saved in the session"
      : "nothing was sent; your message is saved in the session";
  }
  if (outcomes.at(-1) === "bad-request") return "the server rejected the request itself (see above): retrying will not help until that is fixed; your message is saved in the session";
  return `your message is saved in the session; run \`${command} models status --probe\` to see what is wrong`;
}

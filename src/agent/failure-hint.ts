import type { TurnFailureCause } from "../sessions/entries.js";

export interface FailureHintRequest {
  cause: TurnFailureCause;
  attempts: readonly { outcome: string; model?: string | undefined }[];
  /** How the user runs hearth for a command that reads the config (`hearth`, `./bin/hearth --config FILE`), for the commands a hint names. */
  command: string;
  /** How this front end resends a message that got no answer (`hearth agent --retry`, `/retry`). */
  retry: string;
  /** Where a model's key is set, to put a valid one (keyAdvice: gateway.env, the environment, the config as written). */
  keyFixOf?: ((ref: string) => string | undefined) | undefined;
}

/**
 * What became of a message no model answered, and the next step, from why the turn failed and what
 * each candidate did: a cancelled turn needs no probe; a turn where nothing could be sent needs a key
 * or a local model; a refused key needs the key fixed; a refused request needs the request fixed; only servers that failed call for
 * `models status --probe`; a fault in hearth is hearth's to fix (its warning, printed above, says what it was).
 * The message is always saved; only a transient failure is worth resending.
 */
export function failureHint({ cause, attempts, command, retry, keyFixOf }: FailureHintRequest): string {
  const outcomes = attempts.map((attempt) => attempt.outcome);
  if (cause === "cancelled" || outcomes.includes("aborted")) return `cancelled: your message is saved and left out of later turns; ${retry} sends it again`;
  if (cause === "fault") return faultHint({ resend: retry, told: "the warning above" });
  if (outcomes.length > 0 && outcomes.every((outcome) => outcome.startsWith("skipped-"))) {
    return outcomes.includes("skipped-no-key")
      ? `nothing was sent: give the hosted models their API keys, or put a local model in the chain; your message is saved and ${retry} sends it again`
      : `nothing was sent; your message is saved and ${retry} sends it again`;
  }
  if (cause === "permanent") {
    return outcomes.at(-1) === "bad-request"
      ? "the server rejected the request itself (see above): resending will not help until that is fixed; your message is saved in the transcript and left out of later turns"
      : "your message is saved in the transcript and left out of later turns";
  }
  const refused = [...new Set(attempts.filter((attempt) => attempt.outcome === "auth").map((attempt) => attempt.model ?? "the server"))];
  const where = [...new Set(refused.map((ref) => keyFixOf?.(ref) ?? `the key is models.providers.${ref.includes("/") ? ref.slice(0, ref.indexOf("/")) : "<provider>"}.apiKey or the variable it comes from`))];
  const keyFix = refused.length > 0 ? `check the API key: the server refused the one of ${refused.join(", ")}: ${where.join("; ")}` : undefined;
  // Only refused keys: resending changes nothing until the key is fixed.
  if (keyFix && outcomes.every((outcome) => outcome === "auth" || outcome.startsWith("skipped-"))) return `${keyFix}; your message is saved and ${retry} sends it again once the key is fixed`;
  const probe = `your message is saved; ${retry} sends it again, \`${command} models status --probe\` shows what is wrong`;
  return keyFix ? `${probe}; ${keyFix}` : probe;
}

/**
 * What a turn broken by a fault in hearth (the cause "fault") says beside its error, in every front end:
 * it is hearth's own fault, where what it was is told (`told`, when not "hearth's log" as the error
 * says), and that sending the message again (`resend`) will likely fail the same way.
 */
function faultHint(words: { resend: string; told?: string | undefined }): string {
  const told = words.told === undefined ? "" : ` — ${words.told} says what it was`;
  return `this is hearth's own fault, not a model's nor your message's${told}; your message is saved, but ${words.resend} will likely fail the same way until that is fixed`;
}

/** The error of a turn broken by a fault in hearth as a channel shows it (the web chat, live and reloaded; WhatsApp): with what faultHint says. */
export function faultNote(error: string): string {
  return `${error} — ${faultHint({ resend: "sending it again" })}`;
}

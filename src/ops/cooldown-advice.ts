import { keyAdvice, keyPlace, type KeyWhere } from "../models/key-advice.js";
import { endedByLook, keptBetweenCommands, type CooldownEntry } from "../models/cooldowns.js";
import { localClock } from "../shared/local-time.js";

export type { KeyWhere } from "../models/key-advice.js";

export interface CooldownFacts {
  /** Where the model's key comes from, for a refused key; undefined: a model the config lacks. */
  key?: KeyWhere | undefined;
  /** The fingerprint of this command's credentials for the model (Cooldowns.keyHashOf), to tell the key refused from this command's own. */
  keyHash?: string | undefined;
  /** A local model: the next turn asks a stalled one for a quick answer first. */
  local?: boolean | undefined;
  /** `models status --probe` asked it for an answer just now and got none. */
  stillStalled?: boolean | undefined;
}

type Cooling = Pick<CooldownEntry, "kind" | "phase" | "until" | "retryAfterMs" | "keyRefused">;

/**
 * Who skips the model until when, in words: every process for a hang or a rate limit; for any other
 * failure only the gateway that met it (a one-shot command asks again: it costs milliseconds).
 */
export function skippedUntil(entry: Pick<CooldownEntry, "kind" | "until">): string {
  const until = localClock(entry.until);
  return keptBetweenCommands(entry.kind) ? `until ${until}` : `by the gateway's turns until ${until} (a one-shot command asks it again)`;
}

/** What to do about a cooldown, by what caused it: a refused key, a rate limit, a stall, a server that is absent or erring. */
export function cooldownFix(entry: Cooling, facts: CooldownFacts = {}): string {
  if (entry.kind === "auth" && entry.keyRefused !== undefined) {
    // Where the refused key is set, as the process it was refused for knew it (the gateway's gateway.env, say), not as this command resolves its own.
    const where = entry.keyRefused.fix ?? keyAdvice(facts.key);
    const own = facts.key === undefined ? undefined : keyPlace(facts.key);
    const another = facts.keyHash !== undefined && entry.keyRefused.keyHash !== undefined && facts.keyHash !== entry.keyRefused.keyHash;
    const note = another ? `; this command has another key${own === undefined ? "" : ` (${own})`}: the refused one is still what is set where said` : "";
    return `the server refused the key (401/403): ${where}${note}; the wait ends with a successful answer or at its end`;
  }
  // A refusal of this model for the key (OpenAI's "does not have access to model", Anthropic's permission_error), or words that left it unsure: the key may be fine.
  if (entry.kind === "auth") return "the server refused this model for its key (401/403) — the key may work for other models: check that the account or project may use this model (or that the key is valid), or use another model; the wait ends with a successful answer or at its end";
  if (entry.kind === "rate-limit") {
    const asked = entry.retryAfterMs !== undefined ? `, asking to wait ${seconds(entry.retryAfterMs)} (retry-after)` : "";
    return `the server limits requests (429${asked}): wait — turns try it again at ${localClock(entry.until)}, or sooner when it is named; if it keeps happening, see the provider's rate limits or plan`;
  }
  if (endedByLook(entry)) return "nothing to do once it works again; `hearth models status --probe` or a successful answer ends the wait early";
  if (entry.kind === "timeout") {
    if (facts.stillStalled) return "it took a request and stalled, and a test request just now got no answer either: see the server's log (or restart it); a successful answer or the end of the wait brings it back";
    return facts.local
      ? "it took a request and stalled: the next turn asks it for a quick answer (half a second) and `hearth models status --probe` for a slower one; an answer brings it back (as does naming the model, or the end of the wait)"
      : "it took a request and stalled: a successful answer (name the model to try it at once) or the end of the wait brings it back";
  }
  if (entry.kind === "model-not-found") return "the server says it has no such model: compare the id with what it lists (`hearth models status --probe`); a successful answer or the end of the wait brings it back";
  if (entry.kind === "no-endpoint") return "the server has no such endpoint: the provider's baseUrl (its path) or api is wrong for it — `hearth models status --probe` says which; a successful answer or the end of the wait brings it back";
  // overloaded, server-error: the server is there and answers with errors.
  return `the server answered with an error (${entry.kind}): see its log or status page; a successful answer or the end of the wait brings it back`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

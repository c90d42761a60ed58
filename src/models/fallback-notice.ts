import type { ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "./model-catalog.js";
import { outcomeWords, spanWords } from "./outcome-words.js";

/** How a notice names a model: its alias (else its ref), and whether its server is on this machine or network (undefined: not in the catalog). */
export type DescribeModel = (ref: string) => { name: string; local: boolean | undefined };

/**
 * Whether a notice calls a model's server local: `model.local`, the one rule (resolve-providers: a URL on
 * this machine or network, and never a built-in hosted provider — anthropic, openai, … pointed at this
 * machine is a proxy to the hosted service, which the user knows as hosted).
 */
export function localInWords(model: Pick<ModelSpec, "local">): boolean {
  return model.local;
}

/** A DescribeModel over the gateway's catalog. */
export function describeFrom(catalog: ModelCatalog): DescribeModel {
  return (ref) => {
    const model = catalog.models.get(ref as never);
    return { name: catalog.aliasOf(ref as never) ?? ref, local: model && localInWords(model) };
  };
}

/** What a notice reads of an attempt: a router's Attempt, or one kept in a session file (its outcome as written). */
export interface AttemptSeen {
  model: string;
  outcome: string;
  ms?: number | undefined;
  baseUrl?: string | undefined;
  message?: string | undefined;
  /** A skipped-fields attempt's fields, as the router decided them (Attempt.fields); absent in records kept before they were. */
  fields?: readonly string[] | undefined;
  /** Not waited on: its server had just hung or refused for another model (Attempt.silentServer); absent in records kept before it was. */
  silentServer?: { failed: string; model: string } | undefined;
  /** How long its server had said it was loading the model (Attempt.loadingMs). */
  loadingMs?: number | undefined;
}

/**
 * One attempt in words, naming its model and where it runs: "Local (local server) unreachable",
 * "Sonnet (hosted) refused the API key"; a model skipped for the request's fields names them and their
 * values: "Sonnet (hosted) cannot take the request's temperature 1.5 (above 1)"; one skipped for its
 * window says why with the numbers: "Llama (local server) context too small: …".
 */
function attemptWords(attempt: AttemptSeen, describe: DescribeModel, options: NoticeOptions = {}): string {
  const { name, local } = describe(attempt.model);
  const where = local === undefined ? "" : local ? " (local server)" : " (hosted)";
  const fields = attempt.outcome === "skipped-fields" && attempt.fields?.length ? attempt.fields.join(", ") : undefined;
  const silent = attempt.outcome === "skipped-cooldown" ? attempt.silentServer : undefined;
  if (silent) return `${name}${where} not waited on: its server had just ${silent.failed === "hung" ? "hung" : "refused the connection"} for ${describe(silent.model).name}`;
  // A window too small says its numbers (the request's size, the window), as its attempt does.
  const numbers = attempt.outcome === "skipped-context" && attempt.message && !options.brief ? `: ${attempt.message}` : "";
  // A load seen for a while says how long: "still loading the model (for 12 min)".
  const loadingFor = attempt.loadingMs !== undefined ? ` (for ${spanWords(attempt.loadingMs)})` : "";
  return `${name}${where} ${fields ? `cannot take the request's ${fields}` : outcomeWords(attempt.outcome)}${numbers}${loadingFor}`;
}

export interface NoticeOptions {
  /**
   * The first attempt is the model the client named (proxy mode): a model the privacy policy kept out
   * is said too. Otherwise (an agent's chain) the policy is the user's own choice, and the first model
   * it allows is "the primary".
   */
  named?: boolean | undefined;
  /**
   * Said on a phone (WhatsApp): what happened, without the numbers of a window too small (the terminal, the
   * log and the transcript keep them) — "Local (local server) context too small".
   */
  brief?: boolean | undefined;
}

/**
 * One short line when a fallback answered: "answered by Opus — Local (local server) unreachable",
 * naming every model before it that failed or was skipped, each with why (every notice built from an
 * attempt describes that attempt: its model, local or hosted): "answered by GPT — Local (local server)
 * skipped after failing recently; LocalCC (local server) timed out"; a model whose server had just hung for
 * another: "LocalCC (local server) not waited on: its server had just hung for Local". Undefined when the first candidate answered.
 */
export function fallbackNotice(attempts: readonly AttemptSeen[], models: ModelCatalog | DescribeModel, options: NoticeOptions = {}): string | undefined {
  const describe = typeof models === "function" ? models : describeFrom(models);
  const answered = attempts.find((attempt) => attempt.outcome === "ok");
  const first = options.named ? attempts[0] : attempts.find((attempt) => attempt.outcome !== "skipped-policy");
  if (!answered || !first || first.model === answered.model) return undefined;
  // The models between the first and the one that answered (a model the privacy policy kept out is the user's own choice, unsaid in an agent's chain).
  const between = attempts.slice(attempts.indexOf(first) + 1, attempts.indexOf(answered)).filter((attempt) => options.named || attempt.outcome !== "skipped-policy");
  const seen = new Set([first.model, answered.model]);
  const others = between.filter((attempt) => !seen.has(attempt.model) && (seen.add(attempt.model), true));
  const also = others.map((attempt) => `; ${attemptWords(attempt, describe, options)}`).join("");
  return `answered by ${describe(answered.model).name} — ${attemptWords(first, describe, options)}${also}`;
}

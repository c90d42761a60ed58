import type { ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "./model-catalog.js";
import { outcomeWords } from "./outcome-words.js";

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
}

/** One attempt in words, naming its model and where it runs: "Local (local server) unreachable", "Sonnet (hosted) refused the API key". */
function attemptWords(attempt: AttemptSeen, describe: DescribeModel): string {
  const { name, local } = describe(attempt.model);
  const where = local === undefined ? "" : local ? " (local server)" : " (hosted)";
  return `${name}${where} ${outcomeWords(attempt.outcome)}`;
}

export interface NoticeOptions {
  /**
   * The first attempt is the model the client named (proxy mode): a model the privacy policy kept out
   * is said too. Otherwise (an agent's chain) the policy is the user's own choice, and the first model
   * it allows is "the primary".
   */
  named?: boolean | undefined;
}

/**
 * One short line when a fallback answered: "answered by Opus — Local (local server) unreachable",
 * naming the model that failed (every notice built from an attempt describes that attempt: its model,
 * local or hosted) and the hosted models left out for want of a key on the way. Undefined when the
 * first candidate answered.
 */
export function fallbackNotice(attempts: readonly AttemptSeen[], models: ModelCatalog | DescribeModel, options: NoticeOptions = {}): string | undefined {
  const describe = typeof models === "function" ? models : describeFrom(models);
  const answered = attempts.find((attempt) => attempt.outcome === "ok");
  const first = options.named ? attempts[0] : attempts.find((attempt) => attempt.outcome !== "skipped-policy");
  if (!answered || !first || first.model === answered.model) return undefined;
  const keyless = attempts.filter((attempt) => attempt !== first && attempt.outcome === "skipped-no-key" && attempts.indexOf(attempt) < attempts.indexOf(answered));
  const also = keyless.map((attempt) => `; ${attemptWords(attempt, describe)}`).join("");
  return `answered by ${describe(answered.model).name} — ${attemptWords(first, describe)}${also}`;
}

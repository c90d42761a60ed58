import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "../models/model-catalog.js";

export interface ModelChoice {
  ref: ModelRef;
  alias: string | undefined;
  current: boolean;
}

/**
 * The models a user can name with `/model` or `--model`: every aliased model, then the agent's chain,
 * and the one answering now (`current`) wherever it comes from.
 */
export function modelChoices(catalog: ModelCatalog, agentChain: readonly ModelSpec[], current: ModelSpec | undefined): ModelChoice[] {
  const refs = [...new Set<ModelRef>([...catalog.aliases.keys(), ...agentChain.map((model) => model.ref), ...(current ? [current.ref] : [])])];
  return refs.map((ref) => ({ ref, alias: catalog.aliasOf(ref), current: ref === current?.ref }));
}

/**
 * Why `/model` refuses a model that is not among its choices (it has no alias and is not in the agent's
 * chain), with the fix that makes it one: an alias in agents.defaults.models — a free one suggested from
 * its id where there is one ("local/think" → "Think"), else a placeholder to fill in.
 */
export function notChoosableWords(catalog: ModelCatalog, model: Pick<ModelSpec, "ref" | "id">): string {
  const stem = model.id.split("/").at(-1) ?? model.id;
  const suggested = `${stem.charAt(0).toUpperCase()}${stem.slice(1)}`;
  // Free: it names no other model (an alias is found before any ref or id, in any case). `find`, not
  // `lookup`: a miss's did-you-mean is not needed here, and the gateway's catalogue asks this of every model.
  const taken = catalog.find(suggested);
  const free = /^[\w.-]+$/.test(suggested) && (taken === undefined || taken.model.ref === model.ref);
  const alias = free ? suggested : "…";
  return `${model.ref} cannot be chosen here: only models with an alias and the agent's own models can; to choose it, add "${model.ref}": { alias: "${alias}" } to ${catalog.pathName(["agents", "defaults", "models"])}${free ? `, then /model ${alias}` : ""}`;
}

/** One line per choice, the current one marked `*`: what `/model list` shows. */
export function formatChoiceList(choices: readonly ModelChoice[]): string {
  return choices.map((choice) => `${choice.current ? "*" : " "} ${choice.alias ? `${choice.alias.padEnd(16)} ` : ""}${choice.ref}`).join("\n");
}

/** The choices on one line, for an error: `Minimax (lmstudio/minimax-m2.1-gs32), Opus (anthropic/claude-opus-4-5)`. */
export function formatChoicesInline(choices: readonly ModelChoice[]): string {
  return choices.map((choice) => (choice.alias ? `${choice.alias} (${choice.ref})` : choice.ref)).join(", ");
}

/** When the session's `/model` choice (`ref`) is no longer in the catalog: what to say (`answering` answers instead), else undefined. */
export function lostModelWords(ref: ModelRef | undefined, now: { catalog: ModelCatalog; answering: ModelSpec | undefined }): string | undefined {
  const { catalog, answering } = now;
  if (!ref || catalog.models.has(ref)) return undefined;
  const instead = answering ? `answering with ${catalog.aliasOf(answering.ref) ?? answering.ref} (${answering.ref})` : "no other model is configured";
  return `the model this conversation was set to, ${ref}, is no longer in the config: ${instead}; /model <alias> picks another, /model reset clears the choice`;
}

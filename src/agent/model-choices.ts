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

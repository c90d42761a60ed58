import type { Api } from "../../../ai/api.js";
import type { ModelRef } from "../../../ai/model-spec.js";
import type { Catalogue } from "../../../gateway/port.js";
import { ambiguityNote, matchAgentId } from "../../../agent/agent-id.js";
import { RequestProblem } from "./request-problem.js";

export const AGENT_NAME = "hearth";

/** What a request's `model` names: one of hearth's agents, or a model (proxy mode). */
export type Target = { mode: "agent"; agent: string | undefined; label: string } | { mode: "proxy"; ref: ModelRef; api: Api };

/** The names a request may use, in listing order: the agents, then each listed model's ref and alias. */
export function targetNames(catalogue: Catalogue): string[] {
  const agents = [AGENT_NAME, ...catalogue.agents.filter((agent) => agent.id !== "main").map((agent) => `${AGENT_NAME}/${agent.id}`)];
  const models = catalogue.models.filter((model) => model.listed).flatMap((model) => (model.alias ? [model.ref, model.alias] : [model.ref]));
  return [...agents, ...models];
}

/** The agent `name` is (`hearth`, `hearth/<agent>`, in any case, as an alias matches), or undefined: it names none. The label is the name as listed. */
function agentTarget(name: string, catalogue: Catalogue): Target | undefined {
  const wanted = name.trim();
  const lower = wanted.toLowerCase();
  if (lower === AGENT_NAME) return { mode: "agent", agent: undefined, label: AGENT_NAME };
  if (!lower.startsWith(`${AGENT_NAME}/`)) return undefined;
  const id = matchAgentId(wanted.slice(AGENT_NAME.length + 1), catalogue.agents.map((agent) => agent.id));
  return id === undefined ? undefined : { mode: "agent", agent: id, label: `${AGENT_NAME}/${id}` };
}

/** A request's `model` (as sent, before it is checked) names an agent: the request is judged as agent mode's. */
export function namesAgent(name: unknown, catalogue: Catalogue): boolean {
  return typeof name === "string" && agentTarget(name, catalogue) !== undefined;
}

/** `hearth` and `hearth/<agent>` are agents (before any provider called "hearth"); then refs, then aliases (any case). */
export function resolveTarget(name: string, catalogue: Catalogue): Target {
  return resolveNamed({ name, field: "model" }, catalogue);
}

/**
 * As resolveTarget, for a name a request sends in `field` (LM Studio's unload: `instance_id`): a name
 * hearth does not serve is a 404 naming that field, as its `param` and in its words.
 */
export function resolveNamed(named: { name: string; field: string }, catalogue: Catalogue): Target {
  const { name, field } = named;
  const agent = agentTarget(name, catalogue);
  if (agent) return agent;
  const wanted = name.trim();
  const exact = catalogue.models.find((model) => model.ref === wanted);
  const caseless = exact ?? catalogue.models.find((model) => model.ref.toLowerCase() === wanted.toLowerCase() || model.alias?.toLowerCase() === wanted.toLowerCase());
  if (caseless) return { mode: "proxy", ref: caseless.ref, api: caseless.spec.api };
  const names = targetNames(catalogue);
  const shown = names.slice(0, 40).map((choice) => `"${choice}"`).join(", ");
  throw new RequestProblem({ status: 404, message: `${notServed({ wanted, field }, catalogue)}; choose one of ${shown}${names.length > 40 ? `, … (${names.length} in all: GET /v1/models)` : ""}`, code: "model_not_found", param: field });
}

/** Why `wanted` (sent in `field`) names nothing: a name a reload of the config (or the built-in default's move) took away (and what the model is called now), or one never served. */
function notServed(named: { wanted: string; field: string }, catalogue: Catalogue): string {
  const { wanted, field } = named;
  const former = catalogue.former?.get(wanted.toLowerCase());
  if (!former) {
    const agentIds = catalogue.agents.map((agent) => agent.id);
    const twins = wanted.toLowerCase().startsWith(`${AGENT_NAME}/`) ? ambiguityNote(wanted.slice(AGENT_NAME.length + 1), agentIds) : "";
    return `${field} "${wanted}" ${serverIdOf(wanted, catalogue) ?? "is not an agent or a model hearth serves"}${twins}`;
  }
  if (former.by === "default") return `${field} "${wanted}" (${former.ref}) is no longer served: with no config file, hearth runs on its built-in default, which moved to the first model the local server lists now`;
  const now = catalogue.models.find((model) => model.ref === former.ref);
  if (!now) return `${field} "${wanted}" (${former.ref}) is no longer in hearth's config: a reload of the config took it out`;
  if (!now.alias) return `${field} "${wanted}" is no longer a name in hearth's config: a reload of the config dropped that alias — its model is "${now.ref}"`;
  return `${field} "${wanted}" is no longer a name in hearth's config: a reload of the config renamed it — its model, ${now.ref}, is now "${now.alias}"`;
}

/**
 * Where `wanted` is the id a model's server knows it by (llama-server's `stories260k`, OpenAI's
 * `gpt-5-mini`: what a client pointed at that server before sends), the words that name hearth's refs
 * for it — the config's listed ones first — else undefined.
 */
function serverIdOf(wanted: string, catalogue: Catalogue): string | undefined {
  const lower = wanted.toLowerCase();
  const serving = catalogue.models.filter((model) => model.spec.id.toLowerCase() === lower).sort((first, second) => Number(second.listed) - Number(first.listed));
  if (serving.length === 0) return undefined;
  const names = serving.slice(0, 3).map((model) => (model.alias ? `${model.ref} (or its alias ${model.alias})` : model.ref));
  const refs = serving.slice(0, 3).map((model) => model.ref);
  const sends = refs.length === 1 ? `${refs[0]} sends to its server` : `${refs.slice(0, -1).join(", ")} and ${refs.at(-1)} send to their server`;
  return `is the id ${sends}, not a name of hearth's: name ${names.join(" or ")}`;
}

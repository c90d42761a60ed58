import type { Agent } from "../agent/agent.js";
import { ambiguityNote, matchAgentId } from "../agent/agent-id.js";
import { formatChoicesInline, modelChoices } from "../agent/model-choices.js";
import type { ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import { HearthError } from "../shared/errors.js";

// The agent and the model a message names, as the config serving has them: a name the config lacks is a usage error that lists the names it has.

/** The agent `id` names (a unique prefix will do); `main` when none is named. */
export function agentNamed(agents: ReadonlyMap<string, Agent>, id: string | undefined): Agent {
  const wanted = id ?? "main";
  const known = [...agents.keys()];
  const agent = agents.get(matchAgentId(wanted, known) ?? wanted);
  if (!agent) throw new HearthError("usage", `no agent "${wanted}"${ambiguityNote(wanted, known)} (agents: ${known.join(", ")})`);
  return agent;
}

/** The model `name` names in the catalogue; an unknown one lists what `agent` may be given instead. */
export function modelNamed(catalog: ModelCatalog, agent: Agent, name: string): ModelSpec {
  const found = catalog.lookup(name);
  if (found.ok) return found.model;
  throw new HearthError("usage", `model "${name}": ${found.reason}`, [`you can choose: ${formatChoicesInline(modelChoices(catalog, agent.spec.chain, undefined))}`]);
}

import type { Model } from "openai/resources/models";
import type { Catalogue } from "../../../gateway/port.js";
import { AGENT_NAME, resolveTarget } from "./target.js";

/** `GET /v1/models`: the agents first, then each listed model's ref and alias (not the catalog's keyless ones), as OpenAI lists models. */
export function modelList(catalogue: Catalogue, created: number): { object: "list"; data: Model[] } {
  const data: Model[] = [{ id: AGENT_NAME, object: "model", created, owned_by: "hearth" }];
  for (const agent of catalogue.agents) {
    if (agent.id !== "main") data.push({ id: `${AGENT_NAME}/${agent.id}`, object: "model", created, owned_by: "hearth" });
  }
  for (const model of catalogue.models.filter((entry) => entry.listed)) {
    data.push({ id: model.ref, object: "model", created, owned_by: model.spec.provider });
    if (model.alias) data.push({ id: model.alias, object: "model", created, owned_by: model.spec.provider });
  }
  return { object: "list", data };
}

/**
 * `GET /v1/models/<name>`: the listed entry `name` is — in any case, as a request's `model` matches
 * (`story` is the entry "Story", owned by its provider) — else the model it names (a hosted catalog's,
 * not listed). A name hearth does not serve: the 404 a request naming it gets.
 */
export function modelEntry(name: string, catalogue: Catalogue, created: number): Model {
  const listed = modelList(catalogue, created).data;
  const exact = listed.find((model) => model.id === name);
  if (exact) return exact;
  const target = resolveTarget(name, catalogue);
  if (target.mode === "agent") return listed.find((model) => model.id === target.label) ?? { id: target.label, object: "model", created, owned_by: "hearth" };
  const entry = catalogue.models.find((model) => model.ref === target.ref);
  const alias = entry?.alias !== undefined && entry.alias.toLowerCase() === name.trim().toLowerCase() ? entry.alias : undefined;
  return listed.find((model) => model.id === (alias ?? target.ref)) ?? { id: target.ref, object: "model", created, owned_by: entry?.spec.provider ?? "hearth" };
}

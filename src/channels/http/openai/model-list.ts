import type { Model } from "openai/resources/models";
import type { Catalogue } from "../../../gateway/port.js";
import { AGENT_NAME } from "./target.js";

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

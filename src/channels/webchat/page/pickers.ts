import { element } from "./dom.js";
import type { StatusResponse } from "./wire-types.js";

/** Fills the model picker (aliases first, then refs) and the agent picker (shown only with several agents). */
export function fillPickers(
  pickers: { model: HTMLSelectElement; agent: HTMLSelectElement; agentLabel: HTMLElement },
  status: StatusResponse,
): void {
  const { model, agent, agentLabel } = pickers;
  const chosenModel = model.value;
  const chosenAgent = agent.value;
  const byAlias = [...status.models].sort((a, b) => Number(b.alias !== undefined) - Number(a.alias !== undefined));
  model.replaceChildren(
    element("option", { text: "the agent's model", attributes: { value: "" } }),
    ...byAlias.map((entry) =>
      element("option", {
        text: `${entry.alias ? `${entry.alias} — ` : ""}${entry.ref}${entry.local ? " (local)" : ""}`,
        attributes: { value: entry.alias ?? entry.ref },
      }),
    ),
  );
  if ([...model.options].some((option) => option.value === chosenModel)) model.value = chosenModel;

  agent.replaceChildren(
    ...status.agents.map((entry) =>
      element("option", { text: entry.primary ? `${entry.name} (${entry.primary})` : entry.name, attributes: { value: entry.id } }),
    ),
  );
  if ([...agent.options].some((option) => option.value === chosenAgent)) agent.value = chosenAgent;
  agentLabel.hidden = status.agents.length < 2;
}

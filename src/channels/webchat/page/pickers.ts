import { element } from "./dom.js";
import type { StatusResponse } from "./wire-types.js";

/**
 * Shows the session's `/model` choice in the model picker (null: the agent's model): its alias where it
 * has one, else its ref — added as an option when the picker does not list it.
 */
export function showModelChoice(picker: HTMLSelectElement, choice: string | null | undefined, models: StatusResponse["models"]): void {
  if (!choice) {
    picker.value = "";
    return;
  }
  const value = models.find((entry) => entry.ref === choice)?.alias ?? choice;
  if (![...picker.options].some((option) => option.value === value)) {
    picker.append(element("option", { text: value === choice ? choice : `${value} — ${choice}`, attributes: { value } }));
  }
  picker.value = value;
}

/** Fills the model picker (aliases first, then refs) and the agent picker (shown only with several agents). */
export function fillPickers(
  pickers: { model: HTMLSelectElement; agent: HTMLSelectElement; agentLabel: HTMLElement },
  status: StatusResponse,
): void {
  const { model, agent, agentLabel } = pickers;
  const chosenModel = model.value;
  const chosenAgent = agent.value;
  // What can answer: the config's own models and aliases (one without its key shown, but not choosable),
  // and the built-in catalog's hosted models whose key is present; the rest is only counted.
  const listed = status.models.filter((entry) => entry.alias !== undefined || entry.configured !== false || !entry.missingKey);
  const hidden = status.models.length - listed.length;
  const byAlias = [...listed].sort((a, b) => Number(b.alias !== undefined) - Number(a.alias !== undefined));
  model.replaceChildren(
    element("option", { text: "the agent's model", attributes: { value: "" } }),
    ...byAlias.map((entry) =>
      element("option", {
        text: `${entry.alias ? `${entry.alias} — ` : ""}${entry.ref}${entry.local ? " (local)" : ""}${entry.missingKey ? " — no API key" : ""}`,
        attributes: { value: entry.alias ?? entry.ref, ...(entry.missingKey ? { disabled: "", title: entry.missingKey } : {}) },
      }),
    ),
    ...(hidden > 0
      ? [element("option", { text: `(${hidden} more in the built-in catalog need an API key: hearth models list --all)`, attributes: { value: "", disabled: "", "data-note": "hidden-models" } })]
      : []),
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

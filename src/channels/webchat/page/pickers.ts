import { element } from "./dom.js";
import type { StatusResponse } from "./wire-types.js";

/**
 * A model that was chosen (the session's `/model`, or picked here) and is no longer in the config: the
 * picker keeps it chosen and says so, rather than show another model in its place. Its value is empty:
 * a message sent names no model, and the gateway answers as it does for such a session (the agent's chain).
 */
function goneOption(name: string, ref: string): HTMLOptionElement {
  return element("option", { text: `${name} — no longer in the config`, attributes: { value: "", disabled: "", "data-ref": ref, "data-note": "model-gone", title: `${ref} is no longer in the config: the agent's model answers; choose another here or with /model` } });
}

/** Selects the option that stands for `ref` (the model, whatever its alias now), or the one that says it is gone. */
function selectModel(picker: HTMLSelectElement, ref: string, name: string): void {
  const option = [...picker.options].find((candidate) => candidate.dataset["ref"] === ref) ?? picker.appendChild(goneOption(name, ref));
  option.selected = true;
}

/**
 * Shows the session's `/model` choice in the model picker (null: the agent's model): its alias where it
 * has one, else its ref — added as an option when the picker does not list it, and said to be gone
 * when the config no longer has it.
 */
export function showModelChoice(picker: HTMLSelectElement, choice: string | null | undefined, models: StatusResponse["models"]): void {
  if (!choice) {
    picker.value = "";
    return;
  }
  const model = models.find((entry) => entry.ref === choice);
  if (model && ![...picker.options].some((option) => option.dataset["ref"] === choice)) {
    const value = model.alias ?? choice;
    picker.append(element("option", { text: value === choice ? choice : `${value} — ${choice}`, attributes: { value, "data-ref": choice } }));
  }
  selectModel(picker, choice, choice);
}

/**
 * Fills the model picker (aliases first, then refs) and the agent picker (shown only with several
 * agents). Filled again after a config reload, the model chosen stays chosen by what it is, not by its
 * name: an alias renamed shows the new name, and a model gone from the config says so (goneOption).
 */
export function fillPickers(
  pickers: { model: HTMLSelectElement; agent: HTMLSelectElement; agentLabel: HTMLElement },
  status: StatusResponse,
): void {
  const { model, agent, agentLabel } = pickers;
  const chosenOption = model.selectedOptions[0];
  const chosenRef = chosenOption?.dataset["ref"];
  const chosenName = chosenOption?.dataset["note"] === "model-gone" ? (chosenOption.textContent ?? "").replace(/ — no longer in the config$/, "") : (chosenOption?.value ?? "");
  const chosenAgent = agent.selectedOptions[0]?.dataset["agent"] ?? agent.value;
  // What can answer: the config's own models and aliases (one without its key shown, but not choosable),
  // and the built-in catalog's hosted models whose key is present; the rest is only counted.
  const listed = status.models.filter((entry) => entry.alias !== undefined || entry.configured !== false || !entry.missingKey);
  const hidden = status.models.length - listed.length;
  const byAlias = [...listed].sort((a, b) => Number(b.alias !== undefined) - Number(a.alias !== undefined));
  model.replaceChildren(
    element("option", { text: "the agent's model", attributes: { value: "" } }),
    ...byAlias.map((entry) =>
      element("option", {
        // Listed but not choosable (no key; no alias, where `/model` needs one): disabled, its fix on hover.
        text: `${entry.alias ? `${entry.alias} — ` : ""}${entry.ref}${entry.local ? " (local)" : ""}${entry.missingKey ? " — no API key" : entry.notChoosable ? " — needs an alias" : ""}`,
        attributes: { value: entry.alias ?? entry.ref, "data-ref": entry.ref, ...(entry.missingKey || entry.notChoosable ? { disabled: "", title: entry.missingKey ?? entry.notChoosable ?? "" } : {}) },
      }),
    ),
    ...(hidden > 0
      ? [element("option", { text: `(${hidden} more in the built-in catalog need an API key: ${status.command ?? "hearth"} models list --all)`, attributes: { value: "", disabled: "", "data-note": "hidden-models" } })]
      : []),
  );
  if (chosenRef !== undefined) {
    // Listed but hidden (a catalog model the session chose): kept as it was shown; gone from the config: said so.
    const known = status.models.find((entry) => entry.ref === chosenRef);
    if (known && ![...model.options].some((option) => option.dataset["ref"] === chosenRef)) {
      const value = known.alias ?? chosenRef;
      model.append(element("option", { text: value === chosenRef ? chosenRef : `${value} — ${chosenRef}`, attributes: { value, "data-ref": chosenRef } }));
    }
    selectModel(model, chosenRef, chosenName);
  }

  agent.replaceChildren(
    ...status.agents.map((entry) =>
      element("option", { text: entry.primary ? `${entry.name} (${entry.primary})` : entry.name, attributes: { value: entry.id, "data-agent": entry.id } }),
    ),
  );
  // An agent chosen here and gone from the config is said so too (shown even if one agent is left); a message then names none ("main" answers).
  const agentGone = chosenAgent !== "" && !status.agents.some((entry) => entry.id === chosenAgent);
  if (agentGone) {
    const gone = element("option", { text: `${chosenAgent} — no longer in the config`, attributes: { value: "", disabled: "", "data-agent": chosenAgent, "data-note": "agent-gone" } });
    agent.append(gone);
    gone.selected = true;
  } else if ([...agent.options].some((option) => option.value === chosenAgent)) agent.value = chosenAgent;
  agentLabel.hidden = status.agents.length < 2 && !agentGone;
}

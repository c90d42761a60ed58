import type { ModelRef } from "../ai/model-spec.js";
import type { Api } from "../ai/api.js";
import type { AssistantMessage } from "../ai/types.js";
import { emptyUsage } from "../ai/usage.js";

/**
 * What a step's channel was told of the reply under way: the text and reasoning deltas of the model
 * called last, since its attempt began or its answer restarted. A route that breaks on a fault in
 * hearth (the router, or a listener of the turn's, threw) carries no partial reply of its own: this is
 * the answer so far the turn keeps then, as it keeps a model's break after its words went out.
 */
export class ShownSoFar {
  private model: ModelRef | undefined;
  private text = "";
  private reasoning = "";

  /** A new attempt: what an earlier one showed was answered over (a fallback after a failed attempt shows nothing of it). */
  begin(model: ModelRef): void {
    this.model = model;
    this.restart();
  }

  /** The answer starts again (a non-streaming reply's fresh answer after a break). */
  restart(): void {
    this.text = "";
    this.reasoning = "";
  }

  add(event: { type: "text-delta" | "reasoning-delta"; delta: string }): void {
    if (event.type === "text-delta") this.text += event.delta;
    else this.reasoning += event.delta;
  }

  /** The reply so far as a message of `api` (its model's), cut off; undefined when no text was shown. */
  message(apiOf: (model: ModelRef) => Api | undefined): AssistantMessage | undefined {
    const model = this.model;
    const api = model && apiOf(model);
    if (!model || !api || this.text === "") return undefined;
    const reasoning = this.reasoning === "" ? [] : [{ type: "reasoning" as const, text: this.reasoning }];
    return { role: "assistant", content: [...reasoning, { type: "text", text: this.text }], model, api, stopReason: "error", usage: emptyUsage(), cost: 0 };
  }
}

import type { ModelRef } from "../ai/model-spec.js";
import type { Api } from "../ai/api.js";
import type { AssistantMessage } from "../ai/types.js";
import { emptyUsage } from "../ai/usage.js";

/**
 * What a step's channel shows of the reply under way: the text and reasoning deltas of the model that
 * spoke last. A new attempt or a restarted answer (`answer-restart`) does not take them away at once: a
 * channel that shows words live (the web chat) keeps showing them until the next answer's first words
 * take their place — so when no later model says a word (it fails, the user stops the turn), these are
 * still the words on the screen, and the turn keeps them as its cut-off (or stopped) answer rather than
 * dropping what the user read. A route that broke on a fault in hearth carries no partial reply of its
 * own: this is the answer so far the turn keeps then too.
 */
export class ShownSoFar {
  /** The model whose words these are. */
  private model: ModelRef | undefined;
  private text = "";
  private reasoning = "";
  /** The words shown are answered over: the next delta (of `next`, the model called now) takes their place. */
  private replaced = false;
  private next: ModelRef | undefined;

  /** A new attempt: what an earlier one showed stays until this one's first words replace it. */
  begin(model: ModelRef): void {
    this.next = model;
  }

  /** The answer starts again (a fresh answer after a break): the words shown so far stay until the fresh answer's first ones. */
  restart(): void {
    this.replaced = true;
  }

  add(event: { type: "text-delta" | "reasoning-delta"; delta: string }): void {
    if (this.replaced || this.model !== this.next) {
      this.model = this.next;
      this.text = "";
      this.reasoning = "";
      this.replaced = false;
    }
    if (event.type === "text-delta") this.text += event.delta;
    else this.reasoning += event.delta;
  }

  /** The reply still shown as a message of `api` (its model's), cut off; undefined when no text is shown. */
  message(apiOf: (model: ModelRef) => Api | undefined): AssistantMessage | undefined {
    const model = this.model;
    const api = model && apiOf(model);
    if (!model || !api || this.text === "") return undefined;
    const reasoning = this.reasoning === "" ? [] : [{ type: "reasoning" as const, text: this.reasoning }];
    return { role: "assistant", content: [...reasoning, { type: "text", text: this.text }], model, api, stopReason: "error", usage: emptyUsage(), cost: 0 };
  }
}

import type { ModelSpec } from "../ai/model-spec.js";
import type { Context } from "../ai/types.js";
import type { EventStream } from "../shared/event-stream.js";
import type { RouterDependencies } from "./router-dependencies.js";
import type { RouterEvent } from "./router-events.js";

/**
 * Whether a model takes the request's tools, for the router: its compat, what its server reported of its
 * chat template, and what its adapter learnt when it refused them. A server that cannot render tools drops
 * them without an error, so none are sent to it, and the user is told once a model (`toldToolsOff`, kept
 * for the router's life: one line a model, not one a turn).
 */
export class ToolJudgements {
  private readonly toldToolsOff = new Set<string>();

  constructor(private readonly dependencies: Pick<RouterDependencies, "adapters" | "windows">) {}

  /** Why `model` cannot take tools (its server said, its compat says, or it refused them before), or undefined. */
  async whyNoTools(model: ModelSpec): Promise<string | undefined> {
    if (model.compat?.supportsTools === false) return "compat.supportsTools is false for it";
    if (this.dependencies.windows?.toolsUsable(model, model.baseUrl) === false) return "its server says its chat template cannot render tools (they would be dropped)";
    const adapter = await this.dependencies.adapters.get(model.api).catch(() => undefined);
    if (adapter?.compatFor?.(model).supportsTools === false) return "it refused tools earlier (its server or template does not support them)";
    return undefined;
  }

  /** The model's tools are not sent to it: its server said its template cannot render them, or its compat says so. */
  toolsOff(model: ModelSpec): boolean {
    return model.compat?.supportsTools === false || this.dependencies.windows?.toolsUsable(model, model.baseUrl) === false;
  }

  /**
   * A server that reported its chat template cannot render tools drops them without an error: send
   * none, and tell the user once. Asked of the replica the call goes to (`model.baseUrl`).
   */
  withoutUnusableTools(model: ModelSpec, context: Context, out: EventStream<RouterEvent>): Context {
    if (!context.tools || context.tools.length === 0) return context;
    if (this.dependencies.windows?.toolsUsable(model, model.baseUrl) !== false) return context;
    if (!this.toldToolsOff.has(model.ref)) {
      this.toldToolsOff.add(model.ref);
      out.push({ type: "tools-off", model: model.ref });
    }
    return { ...context, tools: undefined };
  }
}

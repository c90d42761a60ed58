import type { ModelSpec } from "../ai/model-spec.js";
import type { ServerKind } from "../ai/server-kind.js";
import type { ToolDefinition } from "../ai/types.js";
import type { HearthConfig } from "../config/schema/index.js";
import { agentSpec } from "../agent/agent-spec.js";
import { budgetFor } from "../agent/context-budget.js";
import { policyFor } from "../agent/tools/registry.js";
import { contextFix, fixedParts, fixedTokensOf, partsWords, scaleParts, windowWords, type PromptParts } from "../models/context-fit.js";
import type { ResolvedModels } from "../models/resolve.js";
import type { StatusProblem } from "./status-problems.js";

/** What the main agent sends with every message: its system prompt, its tools, and the reserve its budget keeps. */
export interface AgentPrompt {
  systemPrompt: string;
  tools: readonly ToolDefinition[];
  reserveTokens: number;
}

/** The tool schemas an agent's tool policy lets through (the composition root's registry). */
export type ToolDefinitions = (allowed: ReadonlySet<string>) => ToolDefinition[];

/** The main agent's fixed part, from the config. */
export function mainAgentPrompt(config: HearthConfig, resolved: ResolvedModels, definitions: ToolDefinitions): AgentPrompt {
  const spec = agentSpec(config, resolved);
  return { systemPrompt: spec.systemPrompt, tools: definitions(policyFor(spec.tools)), reserveTokens: spec.compaction.reserveTokens };
}

/**
 * An error when the window the server runs the model with cannot hold even the agent's fixed part
 * (system prompt, the tools it is sent, the reply and the reserve): no message of any size can be
 * answered by it. Counted as its tokenizer counts where the server said (`ratio`).
 */
export function noRoomProblem(model: ModelSpec, served: { window: number; toolsOff: boolean; ratio: number; slots?: number | undefined; maximum?: number | undefined; kind?: ServerKind | undefined }, prompt: AgentPrompt): StatusProblem | undefined {
  const budget = budgetFor(model, served.window, prompt.reserveTokens);
  const fixed = fixedParts({ systemPrompt: prompt.systemPrompt, tools: served.toolsOff ? undefined : [...prompt.tools] });
  const parts: PromptParts = scaleParts({ ...fixed, messageTokens: 0, replyTokens: budget.replyTokens, reserveTokens: budget.reserveTokens }, served.ratio);
  if (fixedTokensOf(parts) < budget.window) return undefined;
  return {
    id: "context-too-small",
    severity: "error",
    title: `no message fits: ${windowWords(model, budget.window)}, and the agent's fixed part alone fills it (${partsWords(parts)})`,
    fix: contextFix(model, { served: { window: budget.window, slots: served.slots, maximum: served.maximum, kind: served.kind }, parts }),
  };
}

import type { Agent } from "../agent/agent.js";
import type { ContextUse } from "./port.js";

/** The context meter of a session: what its next turn would send on the agent's head model, of what that model's prompt may use. */
export async function contextUse(agent: Agent, session: string): Promise<ContextUse> {
  const entries = await agent.readSession(session);
  const head = agent.chainFor(entries)[0];
  if (!head) return { model: undefined, tokens: agent.prompt(entries).tokens, window: 0, promptTokens: 0 };
  const budget = await agent.budget(head);
  // Counted as the head's server counts, against what its prompt may use (the agent plans the same way).
  const estimated = agent.countEstimated(head, entries) ? { estimated: true as const } : {};
  return { model: head.ref, tokens: agent.prompt(entries, undefined, budget).tokens, window: budget.window, promptTokens: budget.promptTokens, ...estimated };
}

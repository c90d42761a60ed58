import type { Agent } from "../agent/agent.js";
import { literalText } from "../agent/command-shape.js";
import { isCommand, isRetry } from "../agent/commands.js";
import type { SessionStore } from "../sessions/session-store.js";
import { isHearthError } from "../shared/errors.js";

/** What the chat says when the config it reads again no longer has its agent: the problem, and what to do. */
export interface AgentGoneWords {
  /** The problem: the agent that is gone and the agents there are. */
  problem: string;
  /** What the user can do: put it back (this chat takes it at the next message), or go on with another agent. */
  fix: string;
}

/**
 * The words for a chat whose agent an edit took out of the config (`agents`: the ids the config has now),
 * or undefined while the agent is still there. `chatCommand`: the command line that starts a chat on
 * `agent` in this session.
 */
export function agentGoneWords(wanted: string, options: { agents: readonly string[]; chatCommand: (agent: string) => string }): AgentGoneWords | undefined {
  if (options.agents.includes(wanted)) return undefined;
  const other = options.agents.includes("main") ? "main" : (options.agents[0] ?? "main");
  return {
    problem: `the config no longer has agent "${wanted}" (agents: ${options.agents.join(", ")})`,
    fix: `put agent "${wanted}" back in the config and this chat takes it at your next message, or leave (Ctrl+D) and go on with another agent: ${options.chatCommand(other)}`,
  };
}

/** What became of a line typed while the chat's agent is gone: a message kept, a command not run, or a message not kept (why). */
export type KeptWhileGone = { kind: "kept" } | { kind: "command" } | { kind: "not-kept"; why: string };

/**
 * A message the chat cannot send (its agent gone) is kept in its session unanswered, marked with why,
 * as a message the gateway stopped before is: `/retry` sends it once an agent answers there. `agent`: the
 * one that served the chat last (it only saves the message; no model is called). Under the session's lock,
 * as a turn is: another process answering there is waited for, until `signal` (Ctrl+C) or the lock's own
 * limit ends the wait — the message is then not kept, and the chat says why. A command or `/retry` is not a message: nothing is kept.
 */
export async function keepWhileAgentGone(text: string, options: { session: string; agent: Agent; store: SessionStore; why: string; onWait: () => void; signal?: AbortSignal | undefined }): Promise<KeptWhileGone> {
  if (isCommand(text) || isRetry(text)) return { kind: "command" };
  let lock;
  try {
    lock = await options.store.lock(options.session, { onWait: options.onWait, signal: options.signal });
  } catch (error) {
    if (!isHearthError(error)) throw error;
    return { kind: "not-kept", why: options.signal?.aborted ? "cancelled while it waited for the session" : error.message };
  }
  try {
    await options.agent.keepUnanswered(options.session, literalText(text), { options: { channel: "cli" }, why: options.why });
  } finally {
    await lock.release();
  }
  return { kind: "kept" };
}

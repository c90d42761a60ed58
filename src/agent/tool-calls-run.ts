import type { ToolCall } from "../ai/types.js";
import type { SessionEntry } from "../sessions/entries.js";
import { newEntryId } from "../sessions/session-store.js";
import type { AgentDependencies } from "./agent-options.js";
import type { AgentSpec } from "./agent-spec.js";
import type { ToolLoopGuard } from "./tool-loop-guard.js";
import type { ToolTurnBudget } from "./tool-turn-budget.js";
import { shownToolCall } from "./tool-words.js";
import { policyFor } from "./tools/registry.js";
import type { TurnState } from "./turn-state.js";
import type { UntrustedMarker } from "./untrusted.js";

const now = (): string => new Date().toISOString();

/** One reply's tool calls to run, and what the turn they belong to runs them with. */
export interface ToolCallsRun {
  spec: AgentSpec;
  dependencies: Pick<AgentDependencies, "tools" | "secrets" | "stateDir">;
  state: TurnState;
  calls: readonly ToolCall[];
  guard: ToolLoopGuard;
  budget: ToolTurnBudget;
  marker: UntrustedMarker;
  signal: AbortSignal | undefined;
  /** Saves an entry of the turn (the agent's append: notes, redaction, the store). */
  append: (entry: SessionEntry) => Promise<void>;
}

/** Runs one reply's tool calls (as many as the cap allows), each result on disk as it comes. Why the loop guard stopped the turn, or undefined: it goes on. */
export async function runToolCalls(run: ToolCallsRun): Promise<string | undefined> {
  const { spec, dependencies, state, calls } = run;
  const allowed = policyFor(spec.tools);
  const { run: running, over } = run.budget.split(calls);
  for (const call of running) {
    if (run.guard.repeated(call)) {
      const why = `the same ${call.name} call with the same arguments was made ${spec.maxRepeatedToolCalls} times this turn`;
      const stopped = `stopped: ${why} (a tool loop; maxRepeatedToolCalls)`;
      state.emit({ type: "notice", text: stopped });
      await run.append({ type: "tool-result", id: newEntryId(), at: now(), message: { role: "tool-result", toolCallId: call.id, toolName: call.name, content: `Not run: ${why}; the turn was stopped.`, isError: true } });
      return stopped;
    }
    const shown = shownToolCall(call, dependencies.secrets, state.emit);
    const output = await dependencies.tools.execute(call, allowed, {
      signal: run.signal ?? new AbortController().signal,
      stateDir: dependencies.stateDir,
      agentId: spec.id,
      session: state.key,
      settings: { exec: spec.tools?.exec, webFetch: spec.tools?.web_fetch },
      turn: run.budget,
      untrusted: (content: string, source: string) => run.marker.wrap(content, source),
    });
    const kept = run.budget.keep(output.content);
    if (kept.first) state.emit({ type: "notice", text: `this turn's tool results reached ${spec.maxToolOutputPerTurn.toLocaleString("en-US")} characters (maxToolOutputPerTurn); later ones are cut` });
    // Said before the result is written, so that the entry keeps the note (NoteKeeper).
    shown.end({ content: kept.content, isError: output.isError });
    await run.append({ type: "tool-result", id: newEntryId(), at: now(), message: { ...output, content: kept.content } });
  }
  if (over.length > 0) {
    state.emit({ type: "notice", text: `${over.length} of the ${calls.length} tool calls of one reply were not run (maxToolCallsPerReply ${spec.maxToolCallsPerReply})` });
    // Every call gets its result (the APIs insist): the ones past the cap an error saying why.
    for (const call of over) {
      await run.append({ type: "tool-result", id: newEntryId(), at: now(), message: { role: "tool-result", toolCallId: call.id, toolName: call.name, content: run.budget.refusal(calls.length), isError: true } });
    }
  }
  return undefined;
}

import type { ModelSpec } from "../ai/model-spec.js";
import type { AgentDefaults, AgentEntry, HearthConfig, ToolsConfig } from "../config/schema/index.js";
import type { ChainEntry, ResolvedModels } from "../models/resolve.js";
import { ambiguityNote, matchAgentId } from "./agent-id.js";
import { HearthError } from "../shared/errors.js";
import { didYouMean } from "../shared/did-you-mean.js";
import { systemPromptFor } from "./system-prompt.js";
import { DEFAULT_REPEATED_TOOL_CALLS } from "./tool-loop-guard.js";
import { DEFAULT_TOOL_CALLS_PER_REPLY, DEFAULT_TOOL_OUTPUT_PER_TURN } from "./tool-turn-budget.js";

export interface CompactionSettings {
  enabled: boolean;
  reserveTokens: number;
  keepRecentTokens: number;
  /** The summariser's chain; empty: the session's own. */
  chain: readonly ModelSpec[];
  timeoutSeconds: number;
}

/** One agent, with `agents.defaults` filled into whatever its `agents.list` entry leaves out. */
export interface AgentSpec {
  id: string;
  name: string;
  /** Its primary, then its fallbacks, in order. */
  chain: readonly ModelSpec[];
  /** The chain's fallbacks alone (its primary left out): what stands in for a model a client names (proxy mode). */
  fallbacks: readonly ModelSpec[];
  privacy: "any" | "local-only";
  fallbackNotice: boolean;
  systemPrompt: string;
  tools: ToolsConfig | undefined;
  compaction: CompactionSettings;
  maxSteps: number;
  /** The same tool call with the same arguments this many times in one turn stops the turn (a tool loop). */
  maxRepeatedToolCalls: number;
  /** Most tool calls of one model reply that run; the rest get an error result. */
  maxToolCallsPerReply: number;
  /** Most characters of tool results a turn keeps; past it results are cut with a note. */
  maxToolOutputPerTurn: number;
}

export const COMPACTION_DEFAULTS = { enabled: true, reserveTokens: 16_384, keepRecentTokens: 20_000, timeoutSeconds: 600 } as const;
const DEFAULT_MAX_STEPS = 8;

export function agentSpec(config: HearthConfig, resolved: ResolvedModels, wanted = "main"): AgentSpec {
  const known = ["main", ...config.agents.list.map((agent) => agent.id).filter((known) => known !== "main")];
  // Named in any case, as a model alias is (`--agent Helper`).
  const id = matchAgentId(wanted, known) ?? wanted;
  // An entry with id "main" is the main agent's own settings over agents.defaults, as any entry's are over them (its model already is: resolve.ts).
  const entry: Partial<AgentEntry> | undefined = config.agents.list.find((agent) => agent.id === id) ?? (id === "main" ? {} : undefined);
  if (!entry) {
    throw new HearthError("usage", `no agent "${id}"${ambiguityNote(id, known) || didYouMean(id, known)} (agents: ${known.join(", ")})`);
  }
  return settle({ id, entry, defaults: config.agents.defaults, links: resolved.agentChains.get(id) ?? [], resolved });
}

/** What `agents.defaults` alone gives an agent (the main agent's settings unless an `agents.list` entry "main" changes them). */
export function defaultsAgentSpec(config: HearthConfig, resolved: ResolvedModels): AgentSpec {
  return settle({ id: "main", entry: {}, defaults: config.agents.defaults, links: resolved.chain, resolved });
}

function settle(from: { id: string; entry: Partial<AgentEntry>; defaults: AgentDefaults; links: readonly ChainEntry[]; resolved: ResolvedModels }): AgentSpec {
  const { id, entry, defaults, links, resolved } = from;
  const chain = links.map((link) => link.model);
  const fallbacks = links.filter((link) => link.role !== "primary").map((link) => link.model);
  const compaction = { ...defaults.compaction, ...entry.compaction };
  let compactionChain: ModelSpec[] = [];
  if (compaction.model) {
    const found = resolved.catalog.lookup(compaction.model);
    if (!found.ok) throw new HearthError("config", `agents compaction.model: ${found.reason}`);
    compactionChain = [found.model];
  }
  return {
    id,
    name: entry.name ?? (id === "main" ? "hearth" : id),
    chain,
    fallbacks,
    privacy: entry.privacy ?? defaults.privacy ?? "any",
    fallbackNotice: entry.fallbackNotice ?? defaults.fallbackNotice ?? true,
    systemPrompt: systemPromptFor(entry.systemPrompt ?? defaults.systemPrompt),
    tools: entry.tools ?? defaults.tools,
    compaction: {
      enabled: compaction.enabled ?? COMPACTION_DEFAULTS.enabled,
      reserveTokens: compaction.reserveTokens ?? COMPACTION_DEFAULTS.reserveTokens,
      keepRecentTokens: compaction.keepRecentTokens ?? COMPACTION_DEFAULTS.keepRecentTokens,
      chain: compactionChain,
      timeoutSeconds: compaction.timeoutSeconds ?? COMPACTION_DEFAULTS.timeoutSeconds,
    },
    maxSteps: entry.maxSteps ?? defaults.maxSteps ?? DEFAULT_MAX_STEPS,
    maxRepeatedToolCalls: entry.maxRepeatedToolCalls ?? defaults.maxRepeatedToolCalls ?? DEFAULT_REPEATED_TOOL_CALLS,
    maxToolCallsPerReply: entry.maxToolCallsPerReply ?? defaults.maxToolCallsPerReply ?? DEFAULT_TOOL_CALLS_PER_REPLY,
    maxToolOutputPerTurn: entry.maxToolOutputPerTurn ?? defaults.maxToolOutputPerTurn ?? DEFAULT_TOOL_OUTPUT_PER_TURN,
  };
}

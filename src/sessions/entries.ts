import type { ModelRef } from "../ai/model-spec.js";
import type { AssistantMessage, ToolResultMessage, Usage } from "../ai/types.js";

/** One line of a session file. The file is append-only: nothing is rewritten, compaction included. */
export type SessionEntry =
  | { type: "session"; version: 1; at: string; agent: string }
  | { type: "user"; id: string; at: string; text: string; /** Text from outside the conversation (a forwarded or quoted message). */ quoted?: string | undefined }
  | { type: "assistant"; id: string; at: string; message: AssistantMessage; attempts: readonly AttemptRecord[] }
  | { type: "tool-result"; id: string; at: string; message: ToolResultMessage }
  | { type: "turn-failed"; id: string; at: string; error: string; attempts: readonly AttemptRecord[] }
  | { type: "compaction"; id: string; at: string; summary: string; /** The first entry kept word for word. */ firstKeptId: string; tokensBefore: number; model: ModelRef }
  | { type: "model-change"; id: string; at: string; model: ModelRef | null }
  | { type: "settings"; id: string; at: string; reasoning: boolean }
  /** `/new`: the conversation starts afresh from here (what came before stays in the file). */
  | { type: "reset"; id: string; at: string };

export interface AttemptRecord {
  model: string;
  outcome: string;
  ms: number;
  baseUrl?: string | undefined;
  message?: string | undefined;
}

export interface SessionSummary {
  key: string;
  updated: string;
  turns: number;
  lastText: string;
  usage: Usage;
  cost: number;
}

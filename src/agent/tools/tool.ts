import type { z } from "zod";
import type { ToolsConfig } from "../../config/schema/tools-section.js";

/** What a tool may use while it runs. */
export interface ToolContext {
  signal: AbortSignal;
  /** hearth's state directory (notes live under it). */
  stateDir: string;
  /** The agent calling: tools that keep state (notes) keep it per agent. */
  agentId?: string | undefined;
  /** The session of the turn: notes are kept per WhatsApp chat (memory.ts notesPath). Absent: the owner's. */
  session?: string | undefined;
  /** The settings of this agent's tools (`agents.*.tools`). */
  settings: ToolSettings;
  /** The same object for every tool call of one turn: a tool keeps per-turn accounts by it (exec's disk limit). Absent: each call is a turn of its own. */
  turn?: object | undefined;
  /** Wraps text from outside the conversation in this turn's untrusted-content markers. */
  untrusted(text: string, source: string): string;
}

export interface ToolSettings {
  /** `tools.exec`, as the schema defines it. */
  exec?: ToolsConfig["exec"] | undefined;
  webFetch?: { maxBytes?: number | undefined; timeoutSeconds?: number | undefined; allowPrivateNetwork?: boolean | undefined } | undefined;
}

export interface ToolOutput {
  /** What the model reads back. */
  content: string;
  isError?: boolean | undefined;
}

/**
 * A tool the model may call. Parameters are a zod schema: validated before `run`, and turned into
 * the JSON Schema the model sees, so the two never drift.
 */
export interface Tool<Parameters = unknown> {
  name: string;
  description: string;
  parameters: z.ZodType<Parameters>;
  run(args: Parameters, context: ToolContext): Promise<ToolOutput>;
}

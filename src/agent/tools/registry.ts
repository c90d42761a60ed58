import type { z } from "zod";
import type { ToolCall, ToolDefinition, ToolResultMessage } from "../../ai/types.js";
import { DEFAULT_TOOLS, type ToolsConfig } from "../../config/schema/tools-section.js";
import { didYouMean } from "../../shared/did-you-mean.js";
import { createExecTool, type ExecToolOptions } from "./exec.js";
import { formatIssues } from "./format-issues.js";
import { describeParameters, parametersSchema } from "./json-schema.js";
import { createMemoryTool, type MemoryToolOptions } from "./memory.js";
import { createTimeTool } from "./time.js";
import type { Tool, ToolContext, ToolOutput } from "./tool.js";
import { closeOpenBlocks } from "../untrusted.js";
import { truncateOutput } from "./truncate.js";
import { createWebFetchTool } from "./web-fetch.js";

export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;

export interface ToolRegistryOptions {
  /** Longer tool output is cut to this many characters, with a note. */
  maxOutputChars?: number | undefined;
}

/** A registered tool with its type erased: validation and the call stay together, so `run` only ever sees parsed arguments. */
interface Entry {
  name: string;
  description: string;
  /** The parameters as the smallest JSON Schema that still says what to send (made once, on first use). */
  readonly schema: Readonly<Record<string, unknown>>;
  parse(args: unknown): { ok: true; run(context: ToolContext): Promise<ToolOutput> } | { ok: false; issues: readonly z.core.$ZodIssue[] };
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The tools an agent may offer the model.
 * Contract: `execute` never throws and never rejects; every failure is a tool result with `isError`
 * worded so the model can correct its call.
 */
export class ToolRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly maxOutputChars: number;

  constructor(options: ToolRegistryOptions = {}) {
    this.maxOutputChars = options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  }

  register<Parameters>(tool: Tool<Parameters>): this {
    if (!TOOL_NAME.test(tool.name)) throw new Error(`tool name "${tool.name}" must be 1-64 letters, digits, "_" or "-"`);
    if (this.entries.has(tool.name)) throw new Error(`a tool named "${tool.name}" is already registered`);
    // The JSON Schema is made on first use (the first turn that offers tools), not at start: zod's
    // toJSONSchema for the built-in tools costs ~3 ms CPU, paid by every process that makes a registry
    // (models list, doctor, the gateway before any turn) though most never offer a tool.
    let schema: Readonly<Record<string, unknown>> | undefined;
    this.entries.set(tool.name, {
      name: tool.name,
      description: tool.description,
      get schema() {
        return (schema ??= parametersSchema(tool.parameters));
      },
      parse(args) {
        const parsed = tool.parameters.safeParse(args, { reportInput: true });
        if (!parsed.success) return { ok: false, issues: parsed.error.issues };
        return { ok: true, run: (context) => tool.run(parsed.data, context) };
      },
    });
    return this;
  }

  /** Every registered tool, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** What the model is told about the tools it may call. */
  definitions(allowed: ReadonlySet<string>): ToolDefinition[] {
    return this.available(allowed).map((entry) => ({ name: entry.name, description: entry.description, parameters: entry.schema }));
  }

  async execute(call: ToolCall, allowed: ReadonlySet<string>, context: ToolContext): Promise<ToolResultMessage> {
    const result = (content: string, isError: boolean): ToolResultMessage => ({
      role: "tool-result",
      toolCallId: call.id,
      toolName: call.name,
      content: closeOpenBlocks(truncateOutput(content, this.maxOutputChars)),
      isError,
    });
    try {
      const available = this.available(allowed).map((entry) => entry.name);
      const yours = available.length > 0 ? `Your tools: ${available.join(", ")}.` : "You have no tools in this conversation; answer without them.";
      const entry = this.entries.get(call.name);
      if (!entry) {
        const hint = didYouMean(call.name, available);
        return result(`There is no tool "${call.name}"${hint ? hint : "."} ${yours}`, true);
      }
      if (!allowed.has(entry.name)) return result(`The tool "${entry.name}" is not allowed for this agent. ${yours}`, true);
      const expected = `Parameters of ${entry.name}: ${describeParameters(entry.schema)}.`;
      if (call.argumentsError !== undefined) {
        return result(`The arguments of ${entry.name} could not be read: ${call.argumentsError}. Send them again as one valid JSON object. ${expected}`, true);
      }
      const parsed = entry.parse(withoutNulls(call.arguments));
      if (!parsed.ok) {
        return result(`Invalid arguments for ${entry.name}: ${formatIssues(parsed.issues).join("; ")}. ${expected} Fix them and call ${entry.name} again.`, true);
      }
      const output = await untilAborted(parsed.run(context), context.signal);
      return result(String(output.content), output.isError === true);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return result(`${call.name} failed: ${message}`, true);
    }
  }

  private available(allowed: ReadonlySet<string>): Entry[] {
    return [...this.entries.values()].filter((entry) => allowed.has(entry.name));
  }
}

/** Weak models send `"timezone": null` for an optional field they mean to leave out; top-level nulls count as absent. */
function withoutNulls(args: Record<string, unknown>): Record<string, unknown> {
  if (typeof args !== "object" || args === null || Array.isArray(args)) return args;
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null));
}

/** The tool's result, or a "cancelled" error as soon as the turn is aborted (a tool that ignores its signal cannot hold the turn). */
function untilAborted(running: Promise<ToolOutput>, signal: AbortSignal): Promise<ToolOutput> {
  if (signal.aborted) return Promise.reject(new Error("the call was cancelled"));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error("the call was cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    running.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The tools an agent may use: `allow` (default: time, memory, web_fetch, and exec once its commands
 * are configured) minus `deny`. `exec` needs its `exec` settings (the commands it may run): listed in
 * `allow` without them, it stays off.
 */
export function policyFor(settings: ToolsConfig | undefined): Set<string> {
  const configuredExec = settings?.exec && settings.exec.commands.length > 0;
  const allowed = new Set<string>(settings?.allow ?? (configuredExec ? [...DEFAULT_TOOLS, "exec"] : DEFAULT_TOOLS));
  for (const name of settings?.deny ?? []) allowed.delete(name);
  if (!settings?.exec || settings.exec.commands.length === 0) allowed.delete("exec");
  return allowed;
}

/** A registry holding the built-in tools: time, memory, web_fetch, exec. */
export function createBuiltinTools(options: { exec?: ExecToolOptions; secrets?: MemoryToolOptions["secrets"] } = {}): ToolRegistry {
  return new ToolRegistry().register(createTimeTool()).register(createMemoryTool({ secrets: options.secrets })).register(createWebFetchTool()).register(createExecTool(options.exec));
}

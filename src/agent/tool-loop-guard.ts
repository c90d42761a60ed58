import type { ToolCall } from "../ai/types.js";

export const DEFAULT_REPEATED_TOOL_CALLS = 3;

/**
 * Counts identical tool calls (same tool, same arguments, key order aside) within one turn. A model
 * stuck in a loop makes the same call again and again; `maxSteps` stays the hard cap on top.
 */
export class ToolLoopGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Records the call; true when it is the `limit`-th identical one, and so must not run. */
  repeated(call: ToolCall): boolean {
    const key = `${call.name}\u0000${canonical(call.arguments)}`;
    const count = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, count);
    return count >= this.limit;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

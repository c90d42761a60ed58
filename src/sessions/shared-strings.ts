/**
 * Fields whose values repeat from entry to entry (a model's API and server, a model ref, an outcome,
 * a role, a tool's name): JSON.parse makes each its own string (it shares only strings of up to 10
 * characters), so a session of 1,000 turns held "openai-completions" and "http://127.0.0.1:8080/v1"
 * 1,000 times each in memory (88 bytes a turn, about 7% of what a turn keeps live).
 */
const SHARED_KEYS: ReadonlySet<string> = new Set(["type", "role", "api", "baseUrl", "model", "outcome", "stopReason", "agent", "mediaType", "toolName", "name"]);

/** Longer values are not shared: these fields hold short names and addresses. */
const MAX_SHARED_CHARS = 256;

/**
 * One string per distinct value of the fields above, for what a session store keeps in memory: the
 * first string seen with that text stands for every later one. Bounded: past `capacity`
 * distinct values, new ones are kept as parsed (a store sees a handful: its models and servers).
 */
export class SharedStrings {
  private readonly kept = new Map<string, string>();

  constructor(private readonly capacity = 1_024) {}

  /** Distinct values kept. */
  get size(): number {
    return this.kept.size;
  }

  /** `value` (parsed JSON, owned by the caller) with the strings of the fields above replaced by the shared ones, in place. */
  shareIn<T>(value: T): T {
    if (Array.isArray(value)) {
      for (const item of value) this.shareIn(item);
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const field = record[key];
        if (typeof field === "string") {
          if (SHARED_KEYS.has(key)) record[key] = this.share(field);
        } else if (typeof field === "object" && field !== null) {
          this.shareIn(field);
        }
      }
    }
    return value;
  }

  /** The string kept for this text (this one, the first time). */
  share(value: string): string {
    if (value.length > MAX_SHARED_CHARS) return value;
    const kept = this.kept.get(value);
    if (kept !== undefined) return kept;
    if (this.kept.size < this.capacity) this.kept.set(value, value);
    return value;
  }
}

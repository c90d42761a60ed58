/** Reading fields of JSON the servers send, without trusting its shape. */

/**
 * What `record` and `array` give for a value of another shape: one frozen empty object and array for every
 * call, not a new one each time (read for absent fields of every chunk of a stream: `usage`, `tool_calls`).
 */
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});
const NO_ITEMS: readonly unknown[] = Object.freeze([]);

export function record(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : NO_FIELDS;
}

export function array(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NO_ITEMS;
}

export function stringOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

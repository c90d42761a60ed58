import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { defineOwn } from "../shared/secret-redactor.js";
import type { ConfigPath } from "./json5-locate.js";
import { formatPath, type ConfigProblem } from "./problems.js";

/** Deeper than any config needs (request `params` holding a JSON schema included); deeper input is refused, not recursed into. */
export const MAX_CONFIG_DEPTH = 64;

/** Keys that name JavaScript object internals: as config keys they could only ever be mistakes or attacks. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Checks a parsed config before anything walks it recursively: nesting past MAX_CONFIG_DEPTH throws
 * at once with the key path where it went too deep; keys named `__proto__`, `constructor` or
 * `prototype` come back as problems (each an unknown key with its path), never as prototypes.
 * Iterative, so no input can exhaust the stack here.
 */
export function checkStructure(value: unknown, file: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const pending: { node: unknown; path: ConfigPath }[] = [{ node: value, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, path } = next;
    if (node === null || typeof node !== "object") continue;
    if (path.length >= MAX_CONFIG_DEPTH) {
      throw new HearthError("config", `${escapeControlCharacters(file)}: ${escapeControlCharacters(formatPath(path))}: nested more than ${MAX_CONFIG_DEPTH} levels deep`, [
        `fix: a hearth config nests a few levels; remove the extra nesting under ${escapeControlCharacters(formatPath(path.slice(0, 3)))}`,
      ]);
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => pending.push({ node: item, path: [...path, index] }));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (RESERVED_KEYS.has(key)) {
        problems.push({
          severity: "error",
          path: [...path, key],
          pathAsWritten: true,
          message: `unknown key: "${key}" names JavaScript object internals and is never a hearth setting; remove it or rename it`,
        });
        continue;
      }
      pending.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return problems;
}

/**
 * `value` without the keys checkStructure reports as object internals, so the rest of the config is
 * still checked in the same run. Only for a value checkStructure accepted (its depth is bounded).
 */
export function withoutReservedKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => withoutReservedKeys(item));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (!RESERVED_KEYS.has(key)) defineOwn(out, key, withoutReservedKeys((value as Record<string, unknown>)[key]));
  }
  return out;
}

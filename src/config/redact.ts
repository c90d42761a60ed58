import { defineOwn, REDACTED, SECRET_VARIABLE } from "../shared/secret-redactor.js";
import { isPlaceholderKey } from "../shared/placeholder-keys.js";
import { isSecretPath } from "./secret-paths.js";

/**
 * A deep copy with every secret replaced by "***": values under secret-looking keys (apiKey, token,
 * Authorization header, …) and any string equal to a secret-looking environment variable that the
 * config substituted. A placeholder key (`lmstudio`, `EMPTY`, … isPlaceholderKey) is no secret and is shown.
 */
export function redactSecrets<T>(value: T, secretValues: ReadonlySet<string> = new Set()): T {
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === "string") {
      if (!isPlaceholderKey(node) && (isSecretPath(path) || secretValues.has(node))) return REDACTED;
      return node;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) defineOwn(out, key, visit(child, [...path, key]));
      return out;
    }
    return node;
  };
  return visit(value, []) as T;
}

/** The values of substituted variables whose names look secret, for redactSecrets. */
export function secretEnvValues(used: ReadonlyMap<string, string>): Set<string> {
  const values = new Set<string>();
  for (const [name, value] of used) if (value && SECRET_VARIABLE.test(name)) values.add(value);
  return values;
}

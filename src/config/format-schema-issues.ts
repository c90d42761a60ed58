import type { z } from "zod";
import { didYouMean } from "../shared/did-you-mean.js";
import { redactUrl, SecretRedactor } from "../shared/secret-redactor.js";
import { describeRangeIssue } from "./describe-range-issue.js";
import type { ConfigProblem } from "./problems.js";
import { defOf, unwrap } from "./schema-walk.js";
import { isSecretPath } from "./secret-paths.js";
import type { ConfigPath } from "./json5-locate.js";
import { ownValue } from "../shared/own-key.js";

type Issue = z.core.$ZodIssue;

/** What the last key of a path names, for "is not a known …". */
const NOUNS: Record<string, string> = { api: "API", mode: "mode", input: "input kind", allow: "tool", deny: "tool" };

/** Turns zod's issues into problems a user can act on: path, the bad value, what is allowed. */
export function schemaIssuesToProblems(issues: readonly Issue[], schema: z.ZodType): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.map((segment) => (typeof segment === "symbol" ? String(segment) : segment));
    if (issue.code === "unrecognized_keys") {
      const allowed = keysAt(schema, path);
      for (const key of issue.keys) {
        const hint = didYouMean(key, allowed);
        problems.push({
          severity: "error",
          path: [...path, key],
          message: `unknown key${hint || (allowed.length > 0 ? `; allowed here: ${allowed.join(", ")}` : "")}`,
        });
      }
      continue;
    }
    problems.push({ severity: "error", path, message: describeIssue(issue, path) });
  }
  return problems;
}

function describeIssue(issue: Issue, path: ConfigPath): string {
  const input = (issue as { input?: unknown }).input;
  const shown = isSecretPath(path) ? "the value (hidden)" : describeValue(input);
  switch (issue.code) {
    case "invalid_type": {
      const expected = nounFor(issue.expected);
      if (input === undefined) return `missing; required (${expected})`;
      const quotedNumber = issue.expected === "number" || issue.expected === "int";
      if (quotedNumber && typeof input === "string" && input.trim() !== "" && !Number.isNaN(Number(input))) {
        return `expected ${expected}, got ${shown}; remove the quotes`;
      }
      return `expected ${expected}, got ${shown}`;
    }
    case "invalid_value": {
      const allowed = issue.values.map((value) => String(value));
      const last = path[path.length - 1];
      const noun = ownValue(NOUNS, typeof last === "number" ? String(path[path.length - 2] ?? "") : String(last ?? "")) ?? "value";
      const hint = typeof input === "string" ? didYouMean(input, allowed) : "";
      const list = allowed.map((value) => `"${value}"`).join(", ");
      return hint ? `${shown} is not a known ${noun}${hint} (allowed: ${list})` : `${shown} is not a known ${noun}; allowed: ${list}`;
    }
    case "invalid_key": {
      const inner = issue.issues[0]?.message ?? "invalid key";
      return `${describeValue(input)} is not a valid name: ${inner}`;
    }
    case "too_small":
    case "too_big":
      return describeRangeIssue(issue, { path, shown });
    case "invalid_format":
      return `${issue.message}, got ${shown}`;
    case "custom":
      return typeof input === "string" && !isSecretPath(path) && issue.message.startsWith("must") ? `${issue.message}, got ${shown}` : issue.message;
    default:
      return issue.message;
  }
}

function nounFor(expected: string): string {
  const nouns: Record<string, string> = {
    string: "a string",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "an object { … }",
    array: "a list [ … ]",
    record: "an object { … }",
  };
  return nouns[expected] ?? expected;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") {
    // An echoed value may be a URL with credentials, or a key pasted into the wrong field.
    const safe = new SecretRedactor().redact(redactUrl(value));
    return JSON.stringify(safe.length > 80 ? `${safe.slice(0, 77)}...` : safe);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  return "an object";
}

/** The keys an object schema allows at `path`, found by walking through wrappers, records and arrays. */
export function keysAt(schema: z.ZodType, path: ConfigPath): string[] {
  let current: unknown = schema;
  for (const segment of [...path, null]) {
    current = unwrap(current);
    const def = defOf(current);
    if (!def) return [];
    if (segment === null) {
      return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
    }
    if (def.type === "object" && def.shape && typeof segment === "string") current = def.shape[segment];
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "array") current = def.element;
    else return [];
  }
  return [];
}


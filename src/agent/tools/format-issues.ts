import type { z } from "zod";
import { ownValue } from "../../shared/own-key.js";

/**
 * Zod's issues as one line per bad field, written for the model that sent the arguments:
 * `url: expected a string, got a number`, `action: expected one of "read", "append"`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `required (${withArticle(issue.expected)})`;
      return `expected ${withArticle(issue.expected)}, got ${describeValue(issue.input)}`;
    case "invalid_value":
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}${got(issue.input)}`
        : `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}${got(issue.input)}`;
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((key) => `"${key}"`).join(", ")}; leave ${issue.keys.length === 1 ? "it" : "them"} out`;
    case "too_small":
      return `${sizeWords(issue.origin, "at least", issue.minimum, issue.inclusive)}`;
    case "too_big":
      return `${sizeWords(issue.origin, "at most", issue.maximum, issue.inclusive)}`;
    case "invalid_format":
      return `expected ${issue.format === "url" ? "a URL" : `the ${issue.format} format`}${got(issue.input)}`;
    case "invalid_union":
      return "matches none of the accepted shapes";
    default:
      return issue.message;
  }
}

function sizeWords(origin: string, bound: "at least" | "at most", limit: number | bigint, inclusive: boolean | undefined): string {
  const exact = inclusive === false ? `${bound === "at least" ? "more" : "less"} than ${limit}` : `${bound} ${limit}`;
  if (origin === "string") return bound === "at least" && Number(limit) === 1 ? "must not be empty" : `expected ${exact} characters`;
  if (origin === "array" || origin === "set") return `expected ${exact} items`;
  return `expected a number ${inclusive === false ? (bound === "at least" ? "above" : "below") + ` ${limit}` : exact}`;
}

const ARTICLES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean (true or false)",
  array: "an array",
  object: "an object",
  null: "null",
};

function withArticle(expected: string): string {
  return ownValue(ARTICLES, expected) ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && !Number.isInteger(value)) return `the number ${value}`;
  return withArticle(typeof value);
}

function got(input: unknown): string {
  if (input === undefined) return " (missing)";
  const shown = JSON.stringify(input);
  return shown && shown.length <= 60 ? `, got ${shown}` : "";
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "arguments";
  return path.reduce<string>((text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), "");
}

import type { z } from "zod";
import type { ConfigPath } from "./json5-locate.js";

type RangeIssue = z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig;

/**
 * A too-short/too-long string, a too-short/too-long list or a number out of range, said as the rule the
 * schema holds ("must be at least 16 characters, got 5") — never a rule looser or other than the real one.
 * A schema's own message that starts with the rule adds its tail (a fix) after what was got.
 */
export function describeRangeIssue(issue: RangeIssue, options: { path: ConfigPath; shown: string }): string {
  const input = (issue as { input?: unknown }).input;
  const rule = ruleOf(issue, options.path);
  const tail = issue.message.startsWith(rule) ? issue.message.slice(rule.length) : "";
  return `${rule}${gotText(issue, input, options.shown)}${tail}`;
}

function ruleOf(issue: RangeIssue, path: ConfigPath): string {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const exclusive = issue.inclusive === false;
  const bound = small ? (exclusive ? "more than" : "at least") : exclusive ? "less than" : "at most";
  if (issue.origin === "string") {
    if (issue.exact === true) return `must be exactly ${plural(limit, "character")}`;
    if (small && !exclusive && Number(limit) === 1) return "must not be empty";
    return `must be ${bound} ${plural(limit, "character")}`;
  }
  if (issue.origin === "array" || issue.origin === "set") {
    if (issue.exact === true) return `must list exactly ${plural(limit, "item")}`;
    return `must list ${bound} ${plural(limit, "item")}`;
  }
  const unit = /Seconds$/.test(String(path[path.length - 1] ?? "")) ? " seconds" : "";
  if (exclusive) return `must be ${small ? "greater" : "less"} than ${String(limit)}${unit}`;
  if (small && Number(limit) === 0) return "must be 0 or more";
  return `must be ${bound} ${String(limit)}${unit}`;
}

function gotText(issue: RangeIssue, input: unknown, shown: string): string {
  if (issue.origin === "string") return typeof input === "string" && input.length > 0 ? `, got ${plural(input.length, "character")}` : "";
  if (issue.origin === "array" || issue.origin === "set") return Array.isArray(input) && input.length > 0 ? `, got ${plural(input.length, "item")}` : "";
  return `, got ${shown}`;
}

function plural(count: number | bigint, noun: string): string {
  return `${String(count)} ${noun}${Number(count) === 1 ? "" : "s"}`;
}

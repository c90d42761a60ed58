import { readOrigin } from "./browser-origin.js";
import type { ConfigProblem } from "./problems.js";

/**
 * The `gateway.cors.origins` entries spelled otherwise than a browser sends them
 * (`http://LocalHost:5173`, `https://x.example:443`): the schema reads each as the browser's spelling
 * (such a config worked before origins were compared exactly, and still does); each is said, with
 * the spelling to write. `config`: the config as written (after `${VAR}` substitution), already valid.
 */
export function originSpellingWarnings(config: unknown): ConfigProblem[] {
  const origins = (config as { gateway?: { cors?: { origins?: unknown } } } | undefined)?.gateway?.cors?.origins;
  if (!Array.isArray(origins)) return [];
  return origins.flatMap((value: unknown, index): ConfigProblem[] => {
    if (typeof value !== "string") return [];
    const read = readOrigin(value);
    if (!("origin" in read) || read.origin === value) return [];
    return [{ severity: "warning", path: ["gateway", "cors", "origins", index], message: `"${value}" is read as "${read.origin}", as a browser sends it (the gateway compares the Origin header exactly): write "${read.origin}"` }];
  });
}

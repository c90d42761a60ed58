import { duplicateKeys, type ConfigPath } from "./json5-locate.js";
import { formatPath, type ConfigProblem, type ConfigSource } from "./problems.js";

/**
 * Names that must be unique, checked on the file as written (after `${VAR}` substitution) rather than
 * by the schema: a schema check of a whole list runs only once every item passes, so a duplicate was
 * missed whenever another entry had a problem. Every entry that has a string id (or key) counts,
 * whatever else is wrong with it. Each problem is at the later entry and names the earlier one.
 */
export function duplicateNameProblems(value: unknown): ConfigProblem[] {
  return [...duplicateAgentIds(value), ...duplicateModelRefs(value)];
}

/**
 * A key written twice in one object, at any level: JSON5 keeps the later value and drops the earlier
 * without a word. Found on the text (the parsed value has only one). The later value is checked as
 * usual; nothing is left out for this.
 */
export function duplicateKeyProblems(source: ConfigSource | undefined): ConfigProblem[] {
  if (!source) return [];
  return duplicateKeys(source.text).map(({ path, first, later }) => ({
    severity: "error",
    path,
    message: `written twice in the same object (${first.line === later.line ? `line ${first.line}, columns ${first.column} and ${later.column}` : `lines ${first.line} and ${later.line}`}); only the later one counts: merge them into one`,
  }));
}

function duplicateAgentIds(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const list = childOf(childOf(value, "agents"), "list");
  if (!Array.isArray(list)) return problems;
  const first = new Map<string, number>();
  list.forEach((entry, index) => {
    const id = childOf(entry, "id");
    if (typeof id !== "string") return;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else problems.push({ severity: "error", path: ["agents", "list", index, "id"], message: `agent "${id}" is listed twice (also at ${formatPath(["agents", "list", earlier])}); give each agent its own id` });
  });
  return problems;
}

/** Within a provider, a model's ref is "provider/key" (the key defaults to the id) and its id also finds it: no two entries may share one. */
function duplicateModelRefs(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providers = childOf(childOf(value, "models"), "providers");
  if (providers === null || typeof providers !== "object" || Array.isArray(providers)) return problems;
  for (const [provider, config] of Object.entries(providers)) {
    const models = childOf(config, "models");
    if (!Array.isArray(models)) continue;
    const base: ConfigPath = ["models", "providers", provider, "models"];
    const ids = new Map<string, number>();
    const keys = new Map<string, number>();
    models.forEach((entry, index) => {
      const id = childOf(entry, "id");
      const key = childOf(entry, "key");
      if (typeof id === "string") {
        const sameId = ids.get(id);
        const sameKey = keys.get(id);
        if (sameId !== undefined) problems.push({ severity: "error", path: [...base, index, "id"], message: `"${id}" is listed twice in this provider (also at ${formatPath([...base, sameId])})` });
        else if (sameKey !== undefined) {
          problems.push({ severity: "error", path: [...base, index, "id"], message: `"${provider}/${id}" would name two models: "${id}" is also ${formatPath([...base, sameKey, "key"])}; change that key, or give this entry another` });
        }
      }
      if (typeof key === "string" && key !== id) {
        const sameKey = keys.get(key);
        const sameId = ids.get(key);
        if (sameKey !== undefined) problems.push({ severity: "error", path: [...base, index, "key"], message: `"${provider}/${key}" would name two models: "${key}" is also ${formatPath([...base, sameKey, "key"])}; give each its own key` });
        else if (sameId !== undefined) problems.push({ severity: "error", path: [...base, index, "key"], message: `"${provider}/${key}" would name two models: "${key}" is the id of ${formatPath([...base, sameId])}; choose another key` });
      }
      if (typeof id === "string" && !ids.has(id)) ids.set(id, index);
      if (typeof key === "string" && !keys.has(key)) keys.set(key, index);
    });
  }
  return problems;
}

function childOf(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

import { duplicateKeys, type ConfigPath } from "./json5-locate.js";
import type { ConfigProblem, ConfigSource } from "./problems.js";

/**
 * Names that must be unique, checked on the file as written (after `${VAR}` substitution) rather than
 * by the schema: a schema check of a whole list runs only once every item passes, so a duplicate was
 * missed whenever another entry had a problem. Every entry that has a string id (or key) counts,
 * whatever else is wrong with it. Each problem is at the later entry and names the earlier one.
 */
export function duplicateNameProblems(value: unknown, name: PathName): ConfigProblem[] {
  return [...duplicateAgentIds(value, name), ...duplicateProviderIds(value, name), ...duplicateModelRefs(value, name), ...duplicateModelSettings(value, name)];
}

/** How a message names another place in the config: as the file writes it (configPathName). */
type PathName = (path: ConfigPath) => string;

/**
 * models.providers: two ids equal but for letter case. Model names match regardless of case in
 * places (aliases, ids, keys), and `lc/a` beside `LC/a` was one name for two models: the config's
 * chain and the API's answer chose different ones.
 */
function duplicateProviderIds(value: unknown, name: PathName): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providers = childOf(childOf(value, "models"), "providers");
  if (providers === null || typeof providers !== "object" || Array.isArray(providers)) return problems;
  const seen = new Map<string, string>();
  for (const id of Object.keys(providers)) {
    const earlier = seen.get(id.toLowerCase());
    if (earlier !== undefined) {
      problems.push({ severity: "error", path: ["models", "providers", id], message: `is ${name(["models", "providers", earlier])} but for letter case: refs such as "${id}/…" and "${earlier}/…" would be one name for two providers; rename one of them` });
    } else seen.set(id.toLowerCase(), id);
  }
  return problems;
}

/**
 * agents.defaults.models: two keys a lookup takes for the same model (the provider as written, the
 * model's part in any case: "lms/qwen" and "lms/QWEN"). Checked whether or not the models they name
 * are valid, so a rejected provider does not hide it.
 */
function duplicateModelSettings(value: unknown, name: PathName): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const settings = childOf(childOf(childOf(value, "agents"), "defaults"), "models");
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) return problems;
  const base: ConfigPath = ["agents", "defaults", "models"];
  const keys = new Map<string, string>();
  for (const key of Object.keys(settings)) {
    const trimmed = key.trim();
    const slash = trimmed.indexOf("/");
    const compared = slash > 0 ? `${trimmed.slice(0, slash)}/${trimmed.slice(slash + 1).toLowerCase()}` : trimmed.toLowerCase();
    const earlierKey = keys.get(compared);
    if (earlierKey !== undefined) {
      problems.push({ severity: "error", path: [...base, key], message: `names the same model as ${name([...base, earlierKey])} (model names match regardless of case); keep one key for it` });
    } else keys.set(compared, key);
  }
  return problems;
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
    pathAsWritten: true,
    message: `written twice in the same object (${first.line === later.line ? `line ${first.line}, columns ${first.column} and ${later.column}` : `lines ${first.line} and ${later.line}`}); only the later one counts: merge them into one`,
  }));
}

function duplicateAgentIds(value: unknown, name: PathName): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const list = childOf(childOf(value, "agents"), "list");
  if (!Array.isArray(list)) return problems;
  const first = new Map<string, number>();
  list.forEach((entry, index) => {
    const id = childOf(entry, "id");
    if (typeof id !== "string") return;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else problems.push({ severity: "error", path: ["agents", "list", index, "id"], message: `agent "${id}" is listed twice (also at ${name(["agents", "list", earlier])}); give each agent its own id` });
  });
  return problems;
}

/** Within a provider, a model's ref is "provider/key" (the key defaults to the id) and its id also finds it: no two entries may share one. */
function duplicateModelRefs(value: unknown, name: PathName): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const providers = childOf(childOf(value, "models"), "providers");
  if (providers === null || typeof providers !== "object" || Array.isArray(providers)) return problems;
  for (const [provider, config] of Object.entries(providers)) {
    const models = childOf(config, "models");
    if (!Array.isArray(models)) continue;
    const base: ConfigPath = ["models", "providers", provider, "models"];
    const ids = new Map<string, number>();
    const keys = new Map<string, number>();
    // Compared as a lookup compares them: regardless of case.
    models.forEach((entry, index) => {
      const idWritten = childOf(entry, "id");
      const keyWritten = childOf(entry, "key");
      const id = typeof idWritten === "string" ? idWritten.toLowerCase() : undefined;
      const key = typeof keyWritten === "string" ? keyWritten.toLowerCase() : undefined;
      const at = (earlier: number, field?: string): string => name(field ? [...base, earlier, field] : [...base, earlier]);
      if (id !== undefined) {
        const sameId = ids.get(id);
        const sameKey = keys.get(id);
        if (sameId !== undefined) problems.push({ severity: "error", path: [...base, index, "id"], message: `"${String(idWritten)}" is listed twice in this provider (also at ${at(sameId)}; model names match regardless of case)` });
        else if (sameKey !== undefined) {
          problems.push({ severity: "error", path: [...base, index, "id"], message: `"${provider}/${String(idWritten)}" would name two models: "${String(idWritten)}" is also ${at(sameKey, "key")}; change that key, or give this entry another` });
        }
      }
      if (key !== undefined && key !== id) {
        const sameKey = keys.get(key);
        const sameId = ids.get(key);
        if (sameKey !== undefined) problems.push({ severity: "error", path: [...base, index, "key"], message: `"${provider}/${String(keyWritten)}" would name two models: "${String(keyWritten)}" is also ${at(sameKey, "key")}; give each its own key` });
        else if (sameId !== undefined) problems.push({ severity: "error", path: [...base, index, "key"], message: `"${provider}/${String(keyWritten)}" would name two models: "${String(keyWritten)}" is the id of ${at(sameId)}; choose another key` });
      }
      if (id !== undefined && !ids.has(id)) ids.set(id, index);
      if (key !== undefined && !keys.has(key)) keys.set(key, index);
    });
  }
  return problems;
}

function childOf(node: unknown, key: string): unknown {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

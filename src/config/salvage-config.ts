import type { ConfigPath } from "./json5-locate.js";
import type { ConfigProblem, PartialConfig } from "./problems.js";
import { configSchema } from "./schema/index.js";
import { keysAt, schemaIssuesToProblems } from "./format-schema-issues.js";

/** Enough for any real nesting of "left out a key, then its object": each round goes one level up at most. */
const MAX_ROUNDS = 12;

/**
 * Leaves out, round by round, each part an error points at (a key the schema then misses takes its
 * object with it) until the rest passes the schema. Undefined when nothing would be left to check
 * (an error about the whole file).
 */
export function salvageConfig(value: unknown, errors: readonly ConfigProblem[]): PartialConfig | undefined {
  const working = structuredClone(value);
  const removed: ConfigPath[] = [];
  // Per array (by its path in the file): the file's index of each item still in `working`.
  const kept = new Map<string, number[]>();
  const originalPath = (path: ConfigPath): ConfigPath => {
    const out: (string | number)[] = [];
    for (const segment of path) out.push(typeof segment === "number" ? (kept.get(JSON.stringify(out))?.[segment] ?? segment) : segment);
    return out;
  };
  const zones = (): Zones => affectedZones(removed);
  const followsFrom = (problem: ConfigProblem): boolean => causedByRemoval(problem, { removed, zones: zones(), value });
  const found: ConfigProblem[] = [];

  let pending: ConfigPath[] = errors.map((problem) => problem.path);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Later places first: taking an item out of a list leaves the indices before it as they were.
    const ordered = [...pending].sort(comparePaths).reverse();
    const taken: ConfigPath[] = [];
    for (const path of ordered) {
      if (taken.some((done) => isWithin(path, done))) continue;
      const at = removePath(working, path);
      if (at === undefined) return undefined;
      const original = originalPath(at);
      const container = at.slice(0, -1);
      const last = at[at.length - 1];
      if (typeof last === "number") {
        const key = JSON.stringify(originalPath(container));
        const indices = kept.get(key) ?? Array.from({ length: (lengthAt(working, container) ?? 0) + 1 }, (_, index) => index);
        indices.splice(last, 1);
        kept.set(key, indices);
      }
      removed.push(original);
      taken.push(at);
    }
    const result = configSchema.safeParse(working, { reportInput: true, jitless: true });
    if (result.success) return { config: result.data, problems: found, originalPath, followsFrom };
    pending = [];
    for (const problem of schemaIssuesToProblems(result.error.issues, configSchema)) {
      const inFile = { ...problem, path: originalPath(problem.path) };
      // A key now missing because it was left out: its object goes too, and nothing is said about it.
      const cause = removed.find((path) => isWithin(inFile.path, path));
      if (cause) pending.push(problem.path.slice(0, cause.length - 1));
      else {
        // Checks of a whole run once its parts pass: said unless the parts left out could be the cause.
        if (!followsFrom(inFile)) found.push(inFile);
        pending.push(problem.path);
      }
    }
  }
  return undefined;
}

/** Takes out what is at `path` (or, where the path leads past what is there, the last thing it reaches); the path taken out, undefined for the whole file. */
function removePath(root: unknown, path: ConfigPath): ConfigPath | undefined {
  if (path.length === 0) return undefined;
  let node: unknown = root;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth] as string | number;
    const isLast = depth === path.length - 1;
    const child = childOf(node, segment);
    if (child === undefined || (!isLast && (child === null || typeof child !== "object"))) {
      // Missing (a required key), or a value that is not the object the path goes into: the thing that holds it goes.
      const at = child === undefined ? path.slice(0, depth) : path.slice(0, depth + 1);
      if (at.length === 0) return undefined;
      return removePath(root, at);
    }
    if (isLast) {
      if (Array.isArray(node) && typeof segment === "number") node.splice(segment, 1);
      else Reflect.deleteProperty(node as object, String(segment));
      return path;
    }
    node = child;
  }
  return undefined;
}

function childOf(node: unknown, segment: string | number): unknown {
  if (node === null || typeof node !== "object") return undefined;
  if (Array.isArray(node)) return typeof segment === "number" ? node[segment] : undefined;
  return Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[String(segment)] : undefined;
}

function lengthAt(root: unknown, path: ConfigPath): number | undefined {
  let node: unknown = root;
  for (const segment of path) node = childOf(node, segment);
  return Array.isArray(node) ? node.length : undefined;
}

/** `path` is `prefix` or inside it. */
function isWithin(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

function comparePaths(a: ConfigPath, b: ConfigPath): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const left = a[index];
    const right = b[index];
    if (left === right) continue;
    if (typeof left === "number" && typeof right === "number") return left - right;
    return String(left) < String(right) ? -1 : 1;
  }
  return a.length - b.length;
}

/** What the parts left out could have named. */
interface Zones {
  /** Providers that may have lost models (or all of them). */
  providers: Set<string> | "all";
  aliases: boolean;
  agents: boolean;
}

const PROVIDER_NAMING_KEYS = new Set(["baseUrl", "baseUrls", "api", "models"]);

function affectedZones(removed: readonly ConfigPath[]): Zones {
  const zones: Zones = { providers: new Set(), aliases: false, agents: false };
  for (const part of removed) {
    // An unknown key may be a known one misspelled ("modles", "baseurl"): what its object holds is in doubt.
    const last = part[part.length - 1];
    const path = typeof last === "string" && isUnknownKey(part) ? part.slice(0, -1) : part;
    if (path.length === 0) return { providers: "all", aliases: true, agents: true };
    const [section, group, name, key, index, field] = path;
    if (section === "models" && (group === undefined || (group === "providers" && name === undefined))) zones.providers = "all";
    else if (section === "models" && group === "providers" && typeof name === "string" && zones.providers !== "all") {
      const namesModels = key === undefined || (typeof key === "string" && PROVIDER_NAMING_KEYS.has(key) && (key !== "models" || index === undefined || field === undefined || field === "id" || field === "api"));
      if (namesModels) zones.providers.add(name);
    }
    if (section === "agents") {
      // agents.defaults.models.<ref>.alias: the ref is `key`, the field `index` in this destructuring.
      if (group === undefined || (group === "defaults" && (name === undefined || (name === "models" && (index === undefined || index === "alias"))))) zones.aliases = true;
      if (group === undefined || (group === "list" && (name === undefined || key === undefined || key === "id"))) zones.agents = true;
    }
  }
  return zones;
}

function isUnknownKey(path: ConfigPath): boolean {
  const allowed = keysAt(configSchema, path.slice(0, -1));
  return allowed.length > 0 && !allowed.includes(String(path[path.length - 1]));
}

function causedByRemoval(problem: ConfigProblem, context: { removed: readonly ConfigPath[]; zones: Zones; value: unknown }): boolean {
  const { removed, zones, value } = context;
  const path = problem.path;
  if (removed.some((part) => isWithin(path, part) || isWithin(part, path))) return true;
  const [section, group, name] = path;
  if (section === "models" && group === "providers" && typeof name === "string" && (zones.providers === "all" || zones.providers.has(name))) return true;
  if (section === "channels") return zones.agents && path[path.length - 1] === "agent";
  // Only a reference to a model can name what was left out; any other problem (a duplicate id) stands.
  if (!isModelReference(path)) return false;
  // The name a model setting is keyed by, else the string at the path.
  const named = section === "agents" && group === "defaults" && name === "models" && path.length === 4 ? path[3] : valueAt(value, path);
  if (typeof named !== "string") return false;
  const provider = named.includes("/") ? named.slice(0, named.indexOf("/")) : undefined;
  if (zones.providers === "all") return true;
  if (provider !== undefined && zones.providers.has(provider)) return true;
  // A bare name is an alias or a model id of any provider.
  return provider === undefined && (zones.aliases || zones.providers.size > 0);
}

/**
 * Where a model is named: an agent's `model` (the chain), its primary, its fallbacks, its compaction
 * model, or a key of agents.defaults.models.
 */
function isModelReference(path: ConfigPath): boolean {
  const [section, group, index, key, ...rest] = path;
  if (section !== "agents") return false;
  if (group === "defaults" && index === "models") return path.length === 4;
  const agentPath = group === "defaults" ? path.slice(2) : group === "list" && typeof index === "number" ? [key, ...rest] : undefined;
  if (agentPath === undefined) return false;
  const [field, sub, position] = agentPath;
  if (field === "model") return sub === undefined || sub === "primary" || (sub === "fallbacks" && typeof position === "number" && agentPath.length === 3);
  return field === "compaction" && sub === "model" && agentPath.length === 2;
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let node: unknown = root;
  for (const segment of path) node = childOf(node, segment);
  return node;
}

import type { ConfigPath } from "./json5-locate.js";
import type { ConfigProblem } from "./problems.js";
import { suggest } from "../shared/did-you-mean.js";
import { keysAt } from "./format-schema-issues.js";
import { configSchema } from "./schema/index.js";

/**
 * What the parts of a config left out (rejected by the schema) could have named, read from the file
 * as written: the names a reference may have meant. A reference to one of them is a follow-on of the
 * part's own problem; a reference to anything else is still reported ("l/qwen3" when only an alias
 * elsewhere was rejected).
 */
interface Zones {
  /** Providers left out or in doubt: problems inside them, and every "provider/…" reference to them, follow. */
  providers: Set<string> | "all";
  /** Lower-cased "provider/id" and "provider/key" of model entries left out. */
  refs: Set<string>;
  /** Lower-cased ids, keys and aliases a bare name may have meant; "all" when one left out is unknowable. */
  bare: Set<string> | "all";
  /** Ids of agent entries left out; "all" when one's id is unknowable. */
  agents: Set<string> | "all";
}

const PROVIDER_NAMING_KEYS = new Set(["baseUrl", "baseUrls", "api", "models"]);
const ENTRY_NAMING_FIELDS = new Set(["id", "key", "api"]);

/** True for a problem (its path in the file's terms) that the parts left out may have caused. */
export function causedByRemoval(problem: ConfigProblem, context: { removed: readonly ConfigPath[]; value: unknown }): boolean {
  const { removed, value } = context;
  const path = problem.path;
  if (removed.some((part) => isWithin(path, part) || isWithin(part, path))) return true;
  const zones = affectedZones(removed, value);
  const [section, group, name] = path;
  if (section === "models" && group === "providers" && typeof name === "string" && (zones.providers === "all" || zones.providers.has(name))) return true;
  if (section === "channels") {
    const agent = valueAt(value, path);
    return path[path.length - 1] === "agent" && typeof agent === "string" && (zones.agents === "all" || zones.agents.has(agent));
  }
  // Only a reference to a model can name what was left out; any other problem (a duplicate id) stands.
  if (!isModelReference(path)) return false;
  // The name a model setting is keyed by, else the string at the path.
  const named = section === "agents" && group === "defaults" && name === "models" && path.length === 4 ? path[3] : valueAt(value, path);
  if (typeof named !== "string") return false;
  const wanted = named.trim().toLowerCase();
  const slash = named.indexOf("/");
  if (zones.providers === "all") return true;
  if (slash > 0 && zones.providers.has(named.slice(0, slash))) return true;
  if (zones.refs.has(wanted)) return true;
  // A bare name is an alias, or a model id or key of any provider.
  if (zones.bare === "all") return slash <= 0;
  return zones.bare.has(wanted);
}

function affectedZones(removed: readonly ConfigPath[], value: unknown): Zones {
  const zones: Zones = { providers: new Set(), refs: new Set(), bare: new Set(), agents: new Set() };
  const everything = (): Zones => ({ providers: "all", refs: new Set(), bare: "all", agents: "all" });
  // An unknown key may be a known one misspelled ("modles", "baseurl"): what that key would have held
  // is in doubt, nothing else. An unknown key no known one is close to, or whose known one is written
  // beside it, doubts nothing: the rest of its object is checked as written.
  const parts = removed.flatMap((part) => (isUnknownKey(part) ? meantKeys(part, value) : [part]));
  for (const path of parts) {
    if (path.length === 0) return everything();
    const [section, group, name, key, index, field] = path;
    if (section === "models") {
      if (group === undefined || (group === "providers" && name === undefined)) {
        zones.providers = "all";
        zones.bare = "all";
      } else if (group === "providers" && typeof name === "string") {
        if (key === undefined || (typeof key === "string" && PROVIDER_NAMING_KEYS.has(key) && index === undefined)) {
          if (zones.providers !== "all") zones.providers.add(name);
          // Its models: the ids and keys its entries give, unless the list itself is what is in doubt.
          const models = valueAt(value, ["models", "providers", name, "models"]);
          if (key === "models" && !Array.isArray(models)) zones.bare = "all";
          else if (Array.isArray(models)) models.forEach((entry) => addEntryNames(zones, name, entry));
        } else if (key === "models" && typeof index === "number" && (field === undefined || (typeof field === "string" && ENTRY_NAMING_FIELDS.has(field)))) {
          addEntryNames(zones, name, valueAt(value, ["models", "providers", name, "models", index]));
        }
      }
    }
    if (section === "agents") {
      if (group === undefined) {
        zones.bare = "all";
        zones.agents = "all";
        continue;
      }
      // agents.defaults.models.<ref>.alias: the ref is `key`, the field `index` in this destructuring.
      if (group === "defaults" && (name === undefined || (name === "models" && key === undefined))) zones.bare = "all";
      else if (group === "defaults" && name === "models" && typeof key === "string" && (index === undefined || index === "alias")) {
        const alias = valueAt(value, ["agents", "defaults", "models", key, "alias"]);
        // A number or true written as an alias is still read as that name; an object or list could be any.
        if (typeof alias === "string" || typeof alias === "number" || typeof alias === "boolean") addBare(zones, String(alias));
        else if (alias !== undefined) zones.bare = "all";
      }
      if (group === "list" && name === undefined) zones.agents = "all";
      else if (group === "list" && typeof name === "number" && (key === undefined || key === "id")) {
        const id = valueAt(value, ["agents", "list", name, "id"]);
        if (typeof id !== "string") zones.agents = "all";
        else if (zones.agents !== "all") zones.agents.add(id);
      }
    }
  }
  return zones;
}

/** A model entry left out: its id and key, as refs of its provider and as bare names; an entry without a readable id could be any. */
function addEntryNames(zones: Zones, provider: string, entry: unknown): void {
  const id = valueAt(entry, ["id"]);
  const key = valueAt(entry, ["key"]);
  if (typeof id !== "string") {
    if (zones.providers !== "all") zones.providers.add(provider);
    zones.bare = "all";
  }
  for (const name of [id, key]) {
    if (typeof name !== "string") continue;
    zones.refs.add(`${provider}/${name}`.toLowerCase());
    addBare(zones, name);
  }
}

function addBare(zones: Zones, name: string): void {
  if (zones.bare !== "all") zones.bare.add(name.trim().toLowerCase());
}

/** The known keys an unknown one may have been meant as (their paths): those close to it that its object does not have. */
function meantKeys(path: ConfigPath, value: unknown): ConfigPath[] {
  const parent = path.slice(0, -1);
  const holder = valueAt(value, parent);
  return suggest(String(path[path.length - 1]), keysAt(configSchema, parent))
    .filter((key) => holder === null || typeof holder !== "object" || !Object.hasOwn(holder, key))
    .map((key) => [...parent, key]);
}

function isUnknownKey(path: ConfigPath): boolean {
  if (typeof path[path.length - 1] !== "string") return false;
  const allowed = keysAt(configSchema, path.slice(0, -1));
  return allowed.length > 0 && !allowed.includes(String(path[path.length - 1]));
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

/** `path` is `prefix` or inside it. */
export function isWithin(path: ConfigPath, prefix: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (Array.isArray(node)) node = typeof segment === "number" ? node[segment] : undefined;
    else node = Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[String(segment)] : undefined;
  }
  return node;
}

import json5 from "json5";
import { insertMembers, openedValue, renderJson5, replaceString } from "../config/json5-edit.js";
import { providerIsLocal } from "../models/is-local.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { discoverServers, type DiscoveredServer, type DiscoveryReport } from "./discover.js";
import { configProblems, discoveredRef, modelKey } from "./discover-write.js";
import { BUILTIN_PROVIDER_IDS, configuredProviderAt, nameInConfig } from "./discover-names.js";

/** The config's primary as the file names it, and where its server is when that is on this machine. */
export interface CurrentPrimary {
  /** `agents.defaults.model.primary` (or the `model` shorthand); undefined when the file names none. */
  ref: string | undefined;
  /** The root of its provider's server (http://127.0.0.1:1234) when the provider is in the file and local (providerIsLocal: a built-in hosted one never is). */
  localOrigin: string | undefined;
}

/** What the primary became, or why it stayed. */
export interface PrimaryDecision {
  text: string;
  /** "set agents.defaults.model.primary to …" when it changed. */
  change?: string;
  /** When it stayed although a model was found: what to set, exactly. */
  advice?: string;
}

/** Reads the primary and its provider's server from the config text. */
export function currentPrimary(text: string): CurrentPrimary {
  const value = json5.parse(text) as { agents?: { defaults?: { model?: unknown } }; models?: { providers?: Record<string, { baseUrl?: unknown }> } } | null;
  const model = value?.agents?.defaults?.model;
  const ref = typeof model === "string" ? model : typeof model === "object" && model !== null && typeof (model as { primary?: unknown }).primary === "string" ? (model as { primary: string }).primary : undefined;
  const providerId = ref === undefined ? undefined : ref.slice(0, ref.indexOf("/"));
  const provider = providerId === undefined ? undefined : value?.models?.providers?.[providerId];
  const baseUrl = typeof provider?.baseUrl === "string" ? provider.baseUrl : undefined;
  const local = providerId !== undefined && baseUrl !== undefined && providerIsLocal({ id: providerId, baseUrl }, BUILTIN_PROVIDER_IDS);
  return { ref, localOrigin: local && baseUrl !== undefined ? new URL(baseUrl).origin : undefined };
}

/**
 * The rule of `models discover --write` and `init --discover`: a model found becomes the primary when
 * the config has no usable one — none named, or a local one that its server (asked now: `primaryServer`,
 * undefined when nothing answered there) does not serve. A hosted primary, or a local one whose server
 * serves it, stays: the user chose it; `advice` then says what to set to use the model found.
 * The model chosen: the first found that is loaded (else the first), by the provider id the config
 * gives its server.
 */
export function choosePrimary(text: string, found: { servers: readonly DiscoveredServer[]; primaryServer: DiscoveredServer | undefined; env: NodeJS.ProcessEnv }): PrimaryDecision {
  const { servers: foundServers, primaryServer } = found;
  // A server at a hosted provider's address (a relay to the hosted service) is not a model found here.
  const hosted = new Set(nameInConfig(text, foundServers).flatMap((named) => (named.hosted ? [named.origin] : [])));
  const server = foundServers.find((candidate) => candidate.models.length > 0 && !hosted.has(candidate.origin));
  const model = server?.models.find((candidate) => candidate.loaded !== false) ?? server?.models[0];
  if (!server || !model) return { text };
  // The provider the config gives that server (as nameInConfig finds it: `localhost` or a trailing /v1 aside).
  const providerId = configuredProviderAt(text, server) ?? server.providerId;
  const ref = configuredRef(text, providerId, model.id) ?? discoveredRef(providerId, model);
  const current = currentPrimary(text);
  // Refs are looked up whatever their letter case (as loading does): "llamacpp/stories260k" names "stories260K".
  const sameName = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (sameName(current.ref, ref)) return { text };
  if (current.ref !== undefined) {
    const modelName = current.ref.slice(current.ref.indexOf("/") + 1);
    // The primary names its model by the entry's key (a file's stem, or stem and folder): the server lists the entry's id.
    const modelId = listedModels(text, current.ref.slice(0, current.ref.indexOf("/"))).find((entry) => sameName(entry.key, modelName) || sameName(entry.id, modelName))?.id ?? modelName;
    const served = primaryServer?.models.some((candidate) => sameName(candidate.id, modelId) || sameName(modelKey(candidate.id), modelId)) ?? false;
    if (current.localOrigin === undefined || served) {
      const why = current.localOrigin === undefined ? "it is not the model of a local provider in this config" : `${current.localOrigin} serves it`;
      return { text, advice: `the primary stays ${current.ref} (${why}); to answer with ${ref} first, set agents.defaults.model.primary to "${ref}"` };
    }
  }
  const why = current.ref === undefined ? "the config named none" : primaryServer ? `${primaryServer.origin} does not serve ${current.ref}` : `nothing answers at ${current.localOrigin ?? "its server"}`;
  const edited = setPrimary(text, ref);
  // Checked as loading checks it: a primary that names no model would leave a config hearth refuses.
  if (configProblems(edited, found.env) !== undefined) {
    return { text, advice: `the primary stays ${current.ref ?? "unset"} (${why}); set agents.defaults.model.primary to "${ref}"` };
  }
  return { text: edited, change: `set agents.defaults.model.primary to "${ref}" (was ${current.ref ?? "unset"}: ${why})` };
}

/** The entries (id and key) the config lists under `providerId`. */
function listedModels(text: string, providerId: string): { id: string; key: string | undefined }[] {
  const providers = (json5.parse(text) as { models?: { providers?: Record<string, { models?: unknown }> } } | null)?.models?.providers ?? {};
  // Provider ids, like refs, whatever their letter case.
  const id = Object.keys(providers).find((candidate) => candidate.toLowerCase() === providerId.toLowerCase());
  const models = id === undefined ? undefined : providers[id]?.models;
  return (Array.isArray(models) ? (models as { id?: unknown; key?: unknown }[]) : []).map((entry) => ({ id: String(entry?.id), key: typeof entry?.key === "string" ? entry.key : undefined }));
}

/** The ref the config names the model of `providerId` served as `modelId` by (its entry's key, else its id); undefined where it lists no such entry. */
function configuredRef(text: string, providerId: string, modelId: string): string | undefined {
  const entry = listedModels(text, providerId).find((candidate) => candidate.id === modelId);
  return entry ? `${providerId}/${entry.key ?? entry.id}` : undefined;
}

/**
 * The server of the config's local primary as it answers now: among those just found, else asked now
 * (once) when discovery did not ask its address. Undefined when nothing answers there, or the primary is
 * not local.
 */
export async function askPrimaryServer(http: HttpClient, text: string, report: DiscoveryReport): Promise<DiscoveredServer | undefined> {
  const origin = currentPrimary(text).localOrigin;
  if (origin === undefined) return undefined;
  const same = (other: string): boolean => other.replace(/\/+$/, "").toLowerCase() === origin.toLowerCase();
  const found = report.servers.find((server) => same(server.origin));
  // Asked already: a server, nothing, or a hearth gateway (no model server there either).
  if (found || [...report.silent, ...report.gateways].some((entry) => same(entry.origin))) return found;
  return (await discoverServers(http, [origin])).servers[0];
}

/** Writes `ref` as the primary: in place of the current one, or as a new member where the file has none. */
function setPrimary(text: string, ref: string): string {
  const replaced = replaceString(text, ["agents", "defaults", "model", "primary"], ref) ?? replaceString(text, ["agents", "defaults", "model"], ref);
  if (replaced !== undefined) return replaced;
  const nested: [string[], Record<string, unknown>][] = [
    [["agents", "defaults", "model"], { primary: ref }],
    [["agents", "defaults"], { model: { primary: ref } }],
    [["agents"], { defaults: { model: { primary: ref } } }],
    [[], { agents: { defaults: { model: { primary: ref } } } }],
  ];
  for (const [path, members] of nested) {
    const opened = openedValue(text, path);
    if (!opened) continue;
    const indent = `${opened.indent}  `;
    const [[key, value]] = Object.entries(members) as [[string, unknown]];
    return insertMembers(text, opened, `${indent}${key}: ${renderJson5(value, indent)},`);
  }
  return text;
}

import json5 from "json5";
import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { providerIsLocal } from "../models/is-local.js";
import { SERVER_APIS, type ServerKind } from "../ai/server-kind.js";
import { distinctId, type DiscoveredServer } from "./discover.js";
import type { Api } from "../ai/api.js";

/** A server found, named as the config would name it: the config's provider where it has the server already. */
export interface NamedServer extends DiscoveredServer {
  /**
   * Present where the config has a provider at this server (providerId is then that provider's id): the
   * ids of the models the server serves that the provider does not list yet. Absent: a new provider.
   */
  configured?: { newModels: string[] } | undefined;
  /**
   * Present where the config's provider at this server is hosted (a built-in one, such as `openai`
   * pointed at a loopback relay in front of OpenAI: providerIsLocal): discover says what it saw there
   * and leaves that provider as it is — no models added, no provider beside it, never the primary.
   */
  hosted?: { provider: string } | undefined;
  /**
   * Present where the config's provider at this address speaks an api this kind of server does not
   * (SERVER_APIS: `lmstudio` with "openai-responses" where Ollama answers): that provider is not this
   * server's, so it is left as it is and the server is a new provider (providerId) beside it.
   */
  apart?: { provider: string; api: string } | undefined;
}

/** The built-in providers: hosted services, whatever address the config gives them. */
export const BUILTIN_PROVIDER_IDS: ReadonlySet<string> = new Set(hostedCatalog.map((provider) => provider.id));

/** The provider id a server of each kind gets when the config has none for it. */
const KIND_IDS: Record<ServerKind, string> = { lmstudio: "lmstudio", llamacpp: "llamacpp", ollama: "ollama", vllm: "vllm", "openai-compatible": "local" };

type ConfigProvider = { baseUrl?: unknown; baseUrls?: unknown; api?: unknown; models?: unknown };
type ConfigProviders = Record<string, ConfigProvider | undefined>;

function providersOf(text: string): ConfigProviders {
  const value = json5.parse(text) as { models?: { providers?: unknown } } | null;
  const providers = typeof value === "object" && value !== null ? value.models?.providers : undefined;
  return typeof providers === "object" && providers !== null ? (providers as ConfigProviders) : {};
}

/** The apis a provider of the config speaks: its own `api` and its models' (an entry may name its own). */
function apisOf(provider: ConfigProvider | undefined): string[] {
  const models = Array.isArray(provider?.models) ? (provider.models as { api?: unknown }[]) : [];
  return [provider?.api, ...models.map((model) => model?.api)].filter((api): api is string => typeof api === "string");
}

/** Whether every api the provider names is one hearth speaks to a server of `kind` (none named: nothing to disagree). */
function speaksTo(provider: ConfigProvider | undefined, kind: ServerKind): boolean {
  return apisOf(provider).every((api) => (SERVER_APIS[kind] as readonly string[]).includes(api));
}

/**
 * The servers found, each named as `models discover --write` names it in the config `text` — the one
 * rule for the report and the edit: a server the config has (providerAt: a provider at its address whose
 * api it speaks) under that provider's id, with the models it does not list yet; any other under its
 * kind's id (`llamacpp`), named apart by its port from every provider of the config and every server
 * named before it (`llamacpp-8081`). A provider at the address whose api the server does not speak (an
 * `lmstudio` provider where Ollama answers) is never merged into: the server is named apart and `apart`
 * says which provider was left. Without a config (undefined, or text that does not parse) the servers
 * stay as discovery named them.
 */
export function nameInConfig(text: string | undefined, servers: readonly DiscoveredServer[]): NamedServer[] {
  let providers: ConfigProviders;
  try {
    if (text === undefined) return [...servers];
    providers = providersOf(text);
  } catch {
    return [...servers];
  }
  const assigned = new Set<string>();
  /** The servers named before, by address: one server given twice (`localhost` and `127.0.0.1`) is one provider. */
  const named = new Map<string, { id: string; hosted: boolean }>();
  return servers.map((server): NamedServer => {
    const address = serverOf(server.baseUrl);
    const before = address === undefined ? undefined : named.get(address);
    if (before?.hosted) return { ...server, providerId: before.id, hosted: { provider: before.id } };
    if (before !== undefined) return { ...server, providerId: before.id, configured: { newModels: [] } };
    const here = providersAt(providers, server.baseUrl);
    const hosted = here.find((id) => !providerIsLocal({ id, baseUrl: server.baseUrl }, BUILTIN_PROVIDER_IDS));
    if (hosted !== undefined) {
      // The user keeps it as hosted (a relay on this machine to the hosted service): not a local server to write.
      assigned.add(hosted);
      if (address !== undefined) named.set(address, { id: hosted, hosted: true });
      return { ...server, providerId: hosted, hosted: { provider: hosted } };
    }
    const known = here.find((id) => speaksTo(providers[id], server.kind));
    if (known !== undefined) {
      assigned.add(known);
      if (address !== undefined) named.set(address, { id: known, hosted: false });
      const models = providers[known]?.models;
      const listed = new Set((Array.isArray(models) ? (models as { id?: unknown }[]) : []).map((model) => String(model?.id)));
      // Its api as the config has it: --write adds models to that provider and leaves its api as written.
      const written = providers[known]?.api;
      const api = typeof written === "string" && (SERVER_APIS[server.kind] as readonly string[]).includes(written) ? (written as Api) : server.api;
      return { ...server, api, providerId: known, configured: { newModels: server.models.filter((model) => !listed.has(model.id)).map((model) => model.id) } };
    }
    // An id the config gives a provider at another server is not this one's: named apart, never merged in.
    const providerId = distinctId({ providerId: KIND_IDS[server.kind], origin: server.origin }, (id) => Object.hasOwn(providers, id) || assigned.has(id));
    assigned.add(providerId);
    if (address !== undefined) named.set(address, { id: providerId, hosted: false });
    const other = here[0];
    return { ...server, providerId, ...(other !== undefined ? { apart: { provider: other, api: apisOf(providers[other]).find((api) => !(SERVER_APIS[server.kind] as readonly string[]).includes(api)) ?? "" } } : {}) };
  });
}

/** The id of the provider of the config `text` at `server`'s address whose api the server speaks (see nameInConfig), if there is one. */
export function configuredProviderAt(text: string, server: Pick<DiscoveredServer, "baseUrl" | "kind">): string | undefined {
  const providers = providersOf(text);
  return providersAt(providers, server.baseUrl).find((id) => speaksTo(providers[id], server.kind));
}

/**
 * The ids of the config's providers at the server of `baseUrl`: the same scheme, port and path —
 * trailing slashes and a trailing `/v1` aside (`http://127.0.0.1:1234` and `…:1234/v1` are one
 * LM Studio) — on the same host, loopback names being one (`localhost`, `127.0.0.1`, `[::1]`); any of a
 * provider's `baseUrls` counts.
 */
function providersAt(providers: ConfigProviders, baseUrl: string): string[] {
  const wanted = serverOf(baseUrl);
  if (wanted === undefined) return [];
  const urls = (provider: ConfigProviders[string]): unknown[] => [provider?.baseUrl, ...(Array.isArray(provider?.baseUrls) ? provider.baseUrls : [])];
  return Object.keys(providers).filter((id) => urls(providers[id]).some((url) => typeof url === "string" && serverOf(url) === wanted));
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A server's address, as one string for any way of writing it (see providerAt); undefined for text that is no URL. */
function serverOf(url: string): string | undefined {
  try {
    const parsedUrl = new URL(url);
    const host = LOOPBACK_NAMES.has(parsedUrl.hostname.toLowerCase()) ? "loopback" : parsedUrl.hostname.toLowerCase();
    const port = parsedUrl.port || (parsedUrl.protocol === "https:" ? "443" : "80");
    const path = parsedUrl.pathname.replace(/\/+$/, "").replace(/\/v1$/i, "").toLowerCase();
    return `${parsedUrl.protocol}//${host}:${port}${path}`;
  } catch {
    return undefined;
  }
}

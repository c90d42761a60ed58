import json5 from "json5";
import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { providerIsLocal } from "../models/is-local.js";
import { distinctId, type DiscoveredServer, type ServerKind } from "./discover.js";

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
}

/** The built-in providers: hosted services, whatever address the config gives them. */
export const BUILTIN_PROVIDER_IDS: ReadonlySet<string> = new Set(hostedCatalog.map((provider) => provider.id));

/** The provider id a server of each kind gets when the config has none for it. */
const KIND_IDS: Record<ServerKind, string> = { lmstudio: "lmstudio", llamacpp: "llamacpp", ollama: "ollama", vllm: "vllm", "openai-compatible": "local" };

type ConfigProviders = Record<string, { baseUrl?: unknown; baseUrls?: unknown; models?: unknown } | undefined>;

function providersOf(text: string): ConfigProviders {
  const value = json5.parse(text) as { models?: { providers?: unknown } } | null;
  const providers = typeof value === "object" && value !== null ? value.models?.providers : undefined;
  return typeof providers === "object" && providers !== null ? (providers as ConfigProviders) : {};
}

/**
 * The servers found, each named as `models discover --write` names it in the config `text` — the one
 * rule for the report and the edit: a server the config has (providerAt) under that provider's id, with
 * the models it does not list yet; any other under its kind's id (`llamacpp`), named apart by its port
 * from every provider of the config and every server named before it (`llamacpp-8081`). Without a config
 * (undefined, or text that does not parse) the servers stay as discovery named them.
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
    const known = providerAt(providers, server.baseUrl);
    if (known !== undefined && !providerIsLocal({ id: known, baseUrl: server.baseUrl }, BUILTIN_PROVIDER_IDS)) {
      // The user keeps it as hosted (a relay on this machine to the hosted service): not a local server to write.
      assigned.add(known);
      if (address !== undefined) named.set(address, { id: known, hosted: true });
      return { ...server, providerId: known, hosted: { provider: known } };
    }
    if (known !== undefined) {
      assigned.add(known);
      if (address !== undefined) named.set(address, { id: known, hosted: false });
      const models = providers[known]?.models;
      const listed = new Set((Array.isArray(models) ? (models as { id?: unknown }[]) : []).map((model) => String(model?.id)));
      return { ...server, providerId: known, configured: { newModels: server.models.filter((model) => !listed.has(model.id)).map((model) => model.id) } };
    }
    // An id the config gives a provider at another server is not this one's: named apart, never merged in.
    const providerId = distinctId({ providerId: KIND_IDS[server.kind], origin: server.origin }, (id) => Object.hasOwn(providers, id) || assigned.has(id));
    assigned.add(providerId);
    if (address !== undefined) named.set(address, { id: providerId, hosted: false });
    return { ...server, providerId };
  });
}

/** The id of the provider of the config `text` at the server of `baseUrl` (see providerAt), if there is one. */
export function configuredProviderAt(text: string, baseUrl: string): string | undefined {
  return providerAt(providersOf(text), baseUrl);
}

/**
 * The id of the config's provider at the server of `baseUrl`, if there is one: the same scheme, port and
 * path — trailing slashes and a trailing `/v1` aside (`http://127.0.0.1:1234` and `…:1234/v1` are one
 * LM Studio) — on the same host, loopback names being one (`localhost`, `127.0.0.1`, `[::1]`); any of a
 * provider's `baseUrls` counts.
 */
function providerAt(providers: ConfigProviders, baseUrl: string): string | undefined {
  const wanted = serverOf(baseUrl);
  if (wanted === undefined) return undefined;
  const urls = (provider: ConfigProviders[string]): unknown[] => [provider?.baseUrl, ...(Array.isArray(provider?.baseUrls) ? provider.baseUrls : [])];
  return Object.keys(providers).find((id) => urls(providers[id]).some((url) => typeof url === "string" && serverOf(url) === wanted));
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

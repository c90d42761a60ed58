import { bearerHeaders } from "../ai/adapter.js";
import { clipDetail } from "../ai/classify-failure.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { listedModelIds, modelListingUrl, singleModelServed } from "../ai/model-listing.js";
import type { Failure, Timeouts } from "../ai/types.js";
import type { ResolvedProvider } from "../models/resolve-providers.js";
import { parseLmStudioListing, type LmStudioModel } from "../ai/lmstudio/listing.js";
import { basePath, joinUrl, withBasePath } from "../ai/http/join-url.js";
import { record, stringOf } from "../ai/json-fields.js";
import { askServerKind } from "../ai/server-kind-probe.js";

export interface ProviderProbe {
  reachable: boolean;
  latencyMs: number;
  failure: Failure | undefined;
  /** Model ids the server lists; undefined when it could not be read. */
  listed: Set<string> | undefined;
  /** LM Studio's native view (loaded state, context); undefined when the server is not LM Studio. */
  lmStudio: LmStudioModel[] | undefined;
  /** Whether POST /responses exists; undefined when not checked. */
  responsesEndpoint: boolean | undefined;
  /** Whether Anthropic's POST /v1/messages exists (asked of local servers, which serve it from some version on); undefined when not checked. */
  messagesEndpoint?: boolean | undefined;
  /** The one model a single-model llama-server serves, whatever id a request names; undefined for other servers. */
  servesAnyId?: string | undefined;
  /** The `/models` listing as answered (llama.cpp's entries carry each model's trained context); undefined when it could not be read. */
  listingBody?: unknown;
  /**
   * The server that answers, where an endpoint only it has says so: LM Studio's native listing, llama.cpp's
   * `/props`, Ollama's `/api/tags` (askServerKind). Asked of local providers that answered; undefined where
   * none answered so, or a hearth gateway is there.
   */
  serverKind?: "lmstudio" | "llamacpp" | "ollama" | undefined;
  /** A hearth gateway answers at the provider's address (its `/health` says so): no model server. Asked of local providers that answered. */
  hearthGateway?: { version: string | undefined } | undefined;
}

export function authHeaders(provider: ResolvedProvider): Record<string, string> {
  if (provider.api === "anthropic-messages") {
    return { "anthropic-version": "2023-06-01", ...(provider.apiKey ? { "x-api-key": provider.apiKey } : {}), ...provider.headers };
  }
  return { ...bearerHeaders(provider), ...provider.headers };
}

/** The connection was made and the request sent, but no answer came within the limit. */
export const hung = (failure: Failure): boolean => failure.kind === "timeout" && failure.phase !== "connect";

/** A listing is quicker than an answer: at most 10 s, less where the provider's timeoutSeconds is shorter. */
function probeTimeouts(provider: ResolvedProvider): Timeouts {
  const wait = Math.min(10_000, (provider.timeoutSeconds ?? 10) * 1000);
  return { connectMs: 3_000, firstByteMs: wait, idleMs: wait, totalMs: wait + 5_000 };
}

/** Which endpoints a probe asks for by a request: Responses' `POST /responses`, Anthropic's `POST /v1/messages`. */
export interface EndpointChecks {
  responses: boolean;
  messages: boolean;
}

/** Reachability and the model listing (`GET {baseUrl}/models`, Ollama's `/api/tags`), LM Studio's native listing, and the endpoints asked for. */
export async function probeProvider(http: HttpClient, provider: ResolvedProvider, checks: EndpointChecks): Promise<ProviderProbe> {
  const base = provider.baseUrl;
  const modelsUrl = modelListingUrl(provider.api, base);
  const headers = authHeaders(provider);
  const listing = await requestJson(http, modelsUrl, { headers, timeouts: probeTimeouts(provider) });
  if (!listing.ok) {
    // A server that took the connection and then said nothing is reachable, and stuck: not "down".
    const answered = listing.failure.status !== undefined || hung(listing.failure);
    const hearthGateway = listing.failure.status !== undefined && provider.local ? await hearthAt(http, base) : undefined;
    // A server that answered, but not the listing the api expects, may be another kind of server (LM Studio where the api says Ollama): asked which.
    const serverKind = listing.failure.status !== undefined && provider.local && !hearthGateway ? await kindAt(http, base, headers) : undefined;
    return { reachable: answered, latencyMs: listing.ms, failure: listing.failure, listed: undefined, lmStudio: undefined, responsesEndpoint: undefined, ...(hearthGateway ? { hearthGateway } : {}), ...(serverKind ? { serverKind } : {}) };
  }
  const listed = listedModelIds(listing.body);
  // A 200 without a model list is no listing (another server or path answered): a finding, never success.
  if (listed === undefined) {
    const serverKind = provider.local ? await kindAt(http, base, headers) : undefined;
    return { reachable: true, latencyMs: listing.ms, failure: noModelList(modelsUrl, listing), listed: undefined, lmStudio: undefined, responsesEndpoint: undefined, ...(serverKind ? { serverKind } : {}) };
  }
  const probe: ProviderProbe = { reachable: true, latencyMs: listing.ms, failure: undefined, listed, lmStudio: undefined, responsesEndpoint: undefined, servesAnyId: singleModelServed(listing.body), listingBody: listing.body };
  if (provider.local) probe.hearthGateway = await hearthAt(http, base);
  if (provider.local) probe.lmStudio = await lmStudioListing(http, base, headers);
  if (provider.local && !probe.hearthGateway) probe.serverKind = probe.lmStudio ? "lmstudio" : await askServerKind(http, { base, headers });
  if (checks.responses) probe.responsesEndpoint = await hasPostEndpoint(http, joinUrl(base, "/responses"), headers);
  if (checks.messages) probe.messagesEndpoint = await hasPostEndpoint(http, joinUrl(base, /\/v1$/.test(basePath(base)) ? "/messages" : "/v1/messages"), headers);
  return probe;
}

/** Which kind of server answers at `base`, by an endpoint only it has (LM Studio's native listing first, as the full probe asks). */
async function kindAt(http: HttpClient, base: string, headers: Record<string, string>): Promise<ProviderProbe["serverKind"]> {
  return (await lmStudioListing(http, base, headers)) ? "lmstudio" : await askServerKind(http, { base, headers });
}

/** Whether a hearth gateway answers at the root of `base` (its `/health` names the service, as discovery asks): its version, or undefined. */
async function hearthAt(http: HttpClient, base: string): Promise<{ version: string | undefined } | undefined> {
  const origin = withBasePath(base, (path) => path.replace(/\/v1$/, ""));
  const health = await requestJson(http, joinUrl(origin, "/health"), { timeouts: HEALTH_TIMEOUTS });
  if (!health.ok || record(health.body).service !== "hearth") return undefined;
  return { version: stringOf(record(health.body).version) || undefined };
}

const HEALTH_TIMEOUTS: Timeouts = { connectMs: 1_500, firstByteMs: 3_000, idleMs: 3_000, totalMs: 5_000 };

async function lmStudioListing(http: HttpClient, base: string, headers: Record<string, string>): Promise<LmStudioModel[] | undefined> {
  const origin = withBasePath(base, (path) => path.replace(/\/v1$/, ""));
  for (const path of ["/api/v1/models", "/api/v0/models"]) {
    const answer = await requestJson(http, joinUrl(origin, path), { headers });
    if (!answer.ok) continue;
    const models = parseLmStudioListing(answer.body);
    if (models) return models;
  }
  return undefined;
}

/** A listing answer with no `data` or `models` array, as a failure that says what came instead. */
function noModelList(url: string, listing: { status: number; body: unknown }): Failure {
  const said = JSON.stringify(listing.body) ?? "";
  return { kind: "no-endpoint", status: listing.status, message: `GET ${new URL(url).pathname} answered ${listing.status} without a model list: ${clipDetail(said)}`, detail: said.slice(0, 500) };
}

/**
 * An empty POST: a server with the endpoint rejects the body (400/422, or LM Studio's 200 with an error
 * about the request; llama-server's /v1/messages a 500 "'messages' is required"), one without says so
 * (404/405, or LM Studio's 200 "Unexpected endpoint"): the words decide, whatever the status.
 */
async function hasPostEndpoint(http: HttpClient, url: string, headers: Record<string, string>): Promise<boolean> {
  const answer = await requestJson(http, url, { method: "POST", body: {}, headers });
  if (answer.ok) return true;
  const { status, kind, detail } = answer.failure;
  if (kind === "no-endpoint" || status === 405) return false;
  if (status === 404) return /model/i.test(detail ?? "");
  return status !== undefined;
}

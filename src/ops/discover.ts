import type { Api } from "../ai/api.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson, type JsonResult } from "../ai/http/get-json.js";
import { array, numberOf, record, stringOf } from "../ai/json-fields.js";
import { parseLmStudioListing } from "../ai/lmstudio/listing.js";
import { factsFromLlamaCppProps, factsFromOllamaShow } from "../ai/server-window.js";
import type { Timeouts } from "../ai/types.js";
import { templateWritesReasoning } from "../ai/think-spellings.js";
import { buildFlags } from "./build-judgement.js";
import { gatewayAsServer } from "./gateway-as-server.js";
import { isLlamaCppProps, isOllamaTags, type ServerKind } from "../ai/server-kind.js";

export type { ServerKind } from "../ai/server-kind.js";

/** One model as its server reports it. Undefined fields: the server did not say. */
export interface DiscoveredModel {
  id: string;
  /** "7B", "230B-A10B", "8.0B"… */
  params?: string | undefined;
  parameterCount?: number | undefined;
  quantization?: string | undefined;
  bitsPerWeight?: number | undefined;
  format?: string | undefined;
  /** The most context the model supports (LM Studio max_context_length, Ollama <arch>.context_length, llama.cpp n_ctx_train). */
  maxContext?: number | undefined;
  /** The context the server runs it with now (a loaded instance, llama.cpp n_ctx, vLLM max_model_len, Ollama /api/ps or num_ctx). */
  servedContext?: number | undefined;
  /** The context the model's own settings give it where it sets one (Ollama's Modelfile `num_ctx`). */
  ownContext?: number | undefined;
  /** llama.cpp: requests it runs at once (total_slots); more than one may share servedContext (--kv-unified). */
  slots?: number | undefined;
  loaded?: boolean | undefined;
  toolUse?: boolean | undefined;
  vision?: boolean | undefined;
  reasoning?: boolean | undefined;
  /** llama.cpp: the GGUF file it serves. */
  modelPath?: string | undefined;
  /** llama.cpp: the first line of the chat template (the whole one is long). */
  chatTemplate?: string | undefined;
  /** Small or heavily quantized: the brief prefers the largest full-size build. */
  flags: string[];
}

export interface DiscoveredServer {
  kind: ServerKind;
  /** The server's root, http://127.0.0.1:PORT */
  origin: string;
  /** What a provider's baseUrl would be. */
  baseUrl: string;
  /** The wire protocol hearth should speak to it. */
  api: Api;
  /** The provider id `--write` uses. */
  providerId: string;
  latencyMs: number;
  models: DiscoveredModel[];
}

export interface DiscoveryReport {
  servers: DiscoveredServer[];
  /** Addresses asked that did not answer as a model server, and why. */
  silent: { origin: string; reason: string }[];
  /** Addresses where a hearth gateway answered: no model server to write, said so with what to do (gatewayAsServer). */
  gateways: HearthAtAddress[];
}

/** A hearth gateway found where a model server was looked for. */
export interface HearthAtAddress {
  origin: string;
  version: string | undefined;
  /** What it is ("… is a hearth gateway (version …), not a model server: …"). */
  title: string;
  /** What to do instead. */
  fix: string;
}

/** LM Studio 1234, vLLM 8000, llama.cpp 8080, Ollama 11434, on loopback. */
export const DEFAULT_ORIGINS = ["http://127.0.0.1:1234", "http://127.0.0.1:8000", "http://127.0.0.1:8080", "http://127.0.0.1:11434"] as const;

const TIMEOUTS: Timeouts = { connectMs: 1_500, firstByteMs: 5_000, idleMs: 5_000, totalMs: 8_000 };

/** `http://127.0.0.1:1234/v1/` → `http://127.0.0.1:1234`: discovery asks each server at its root. */
export function originOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "").replace(/\/(v1|api)$/, "")}`;
}

/** Asks each address which server it is and what it serves; addresses are asked in parallel. */
export async function discoverServers(http: HttpClient, origins: readonly string[]): Promise<DiscoveryReport> {
  const results = await Promise.all(origins.map(async (origin) => ({ origin, found: await identify(http, originOf(origin)) })));
  const report: DiscoveryReport = { servers: [], silent: [], gateways: [] };
  const used = new Set<string>();
  for (const { origin, found } of results) {
    if ("hearth" in found) {
      report.gateways.push({ origin: originOf(origin), version: found.hearth.version, ...gatewayAsServer(originOf(origin), found.hearth) });
      continue;
    }
    if (!("server" in found)) {
      report.silent.push({ origin: originOf(origin), reason: found.reason });
      continue;
    }
    // Two servers of one kind (llama-servers on 8080 and 8081) are two providers: the later named by its port.
    const providerId = distinctId(found.server, (id) => used.has(id));
    used.add(providerId);
    report.servers.push({ ...found.server, providerId });
  }
  return report;
}

/** The server's provider id, or where `taken` says that one is, the id with its port (`llamacpp-8081`), then numbered. */
export function distinctId(server: Pick<DiscoveredServer, "providerId" | "origin">, taken: (id: string) => boolean): string {
  if (!taken(server.providerId)) return server.providerId;
  const url = new URL(server.origin);
  const base = `${server.providerId}-${url.port || (url.protocol === "https:" ? "443" : "80")}`;
  let id = base;
  for (let number = 2; taken(id); number++) id = `${base}-${number}`;
  return id;
}

type Identified = { server: DiscoveredServer } | { hearth: { version: string | undefined } } | { reason: string };

async function identify(http: HttpClient, origin: string): Promise<Identified> {
  const get = (path: string): Promise<JsonResult> => requestJson(http, `${origin}${path}`, { timeouts: TIMEOUTS });
  const first = await get("/v1/models");
  if (!first.ok && first.failure.status === undefined) return { reason: first.failure.message };
  const latencyMs = first.ms;
  // A hearth gateway answers LM Studio's native listing for its clients: it is not a model server to point hearth at.
  const health = await get("/health");
  if (health.ok && record(health.body).service === "hearth") return { hearth: { version: stringOf(record(health.body).version) || undefined } };
  // LM Studio 0.4+ has /api/v1/models ({ models }); 0.3.6+ only /api/v0/models ({ data } with `state`).
  for (const path of ["/api/v1/models", "/api/v0/models"]) {
    const native = await get(path);
    const listing = native.ok ? parseLmStudioListing(native.body) : undefined;
    if (listing) return { server: lmStudioServer(origin, latencyMs, listing) };
  }
  const props = await get("/props");
  if (props.ok && isLlamaCppProps(props.body)) {
    return { server: llamaCppServer(origin, latencyMs, props.body, first.ok ? first.body : undefined) };
  }
  const tags = await get("/api/tags");
  if (tags.ok && isOllamaTags(tags.body)) return { server: await ollamaServer(http, origin, latencyMs, tags.body) };
  if (first.ok && Array.isArray(record(first.body).data)) return { server: openAiServer(origin, latencyMs, first.body) };
  return { reason: first.ok ? "answered, but lists no models" : `answered ${first.failure.status}: not a model server hearth knows` };
}

function lmStudioServer(origin: string, latencyMs: number, listing: ReturnType<typeof parseLmStudioListing> & object): DiscoveredServer {
  const models = listing
    .filter((model) => model.type !== "embedding")
    .map((model): DiscoveredModel => {
      const found: DiscoveredModel = {
        id: model.id,
        params: model.params,
        quantization: model.quantization,
        bitsPerWeight: model.bitsPerWeight,
        format: model.format,
        maxContext: model.maxContext,
        servedContext: model.loadedContext,
        loaded: model.loaded,
        toolUse: model.toolUse,
        vision: model.vision,
        flags: [],
      };
      found.flags = buildFlags(found);
      return found;
    });
  return { kind: "lmstudio", origin, baseUrl: `${origin}/v1`, api: "openai-responses", providerId: "lmstudio", latencyMs, models };
}

function llamaCppServer(origin: string, latencyMs: number, propsBody: unknown, listing: unknown): DiscoveredServer {
  const props = record(propsBody);
  const facts = factsFromLlamaCppProps(propsBody);
  const entries = array(record(listing).data).map(record);
  const alias = stringOf(props.model_alias);
  const models = (entries.length > 0 ? entries : [{ id: alias }]).map((entry): DiscoveredModel => {
    const meta = record(entry.meta);
    const found: DiscoveredModel = {
      id: stringOf(entry.id) || alias,
      parameterCount: numberOf(meta.n_params),
      quantization: stringOf(meta.ftype) || undefined,
      format: "gguf",
      maxContext: numberOf(meta.n_ctx_train),
      servedContext: facts.window ?? numberOf(meta.n_ctx),
      slots: facts.slots,
      loaded: true,
      toolUse: facts.tools,
      reasoning: templateReasons(props),
      vision: typeof record(props.modalities).vision === "boolean" ? (record(props.modalities).vision as boolean) : undefined,
      modelPath: stringOf(props.model_path) || undefined,
      chatTemplate: stringOf(props.chat_template).split("\n")[0] || undefined,
      flags: [],
    };
    found.flags = buildFlags(found);
    return found;
  });
  return { kind: "llamacpp", origin, baseUrl: `${origin}/v1`, api: "openai-completions", providerId: "llamacpp", latencyMs, models };
}

/**
 * Whether llama.cpp's chat template is a reasoning model's: it takes a reasoning effort
 * (`chat_template_caps`), or handles thinking (`enable_thinking`, `reasoning_content`, a reasoning tag of
 * any spelling: `<think>` for Qwen3, DeepSeek-R1, GLM and their kind, `<seed:think>`, `[THINK]`, harmony's
 * channels — `think-spellings.ts`). Undefined without a template.
 */
function templateReasons(props: Record<string, unknown>): boolean | undefined {
  const template = stringOf(props.chat_template);
  if (template === "") return undefined;
  return record(props.chat_template_caps).supports_reasoning_effort === true || /enable_thinking|reasoning_content/.test(template) || templateWritesReasoning(template);
}

async function ollamaServer(http: HttpClient, origin: string, latencyMs: number, tagsBody: unknown): Promise<DiscoveredServer> {
  const ps = await requestJson(http, `${origin}/api/ps`, { timeouts: TIMEOUTS });
  const running = new Map(array(ps.ok ? record(ps.body).models : []).map(record).map((entry) => [stringOf(entry.name), numberOf(entry.context_length)]));
  const tags = array(record(tagsBody).models).map(record);
  const models = await Promise.all(
    tags.map(async (tag): Promise<DiscoveredModel | undefined> => {
      const name = stringOf(tag.name);
      const details = record(tag.details);
      const show = await requestJson(http, `${origin}/api/show`, { method: "POST", body: { model: name }, timeouts: TIMEOUTS });
      const shown = show.ok ? record(show.body) : {};
      const capabilities = array(shown.capabilities).map(String);
      if (capabilities.length > 0 && !capabilities.includes("completion")) return undefined; // an embedding model
      const info = record(shown.model_info);
      const trained = Object.entries(info).find(([key]) => key.endsWith(".context_length"))?.[1];
      const configured = show.ok ? factsFromOllamaShow(show.body).window : undefined;
      const found: DiscoveredModel = {
        id: name,
        params: stringOf(details.parameter_size) || undefined,
        parameterCount: numberOf(info["general.parameter_count"]),
        quantization: stringOf(details.quantization_level) || undefined,
        format: stringOf(details.format) || undefined,
        maxContext: numberOf(trained),
        servedContext: running.get(name) ?? configured,
        ownContext: configured,
        loaded: running.has(name),
        toolUse: capabilities.length > 0 ? capabilities.includes("tools") : undefined,
        vision: capabilities.length > 0 ? capabilities.includes("vision") : undefined,
        reasoning: capabilities.length > 0 ? capabilities.includes("thinking") : undefined,
        flags: [],
      };
      found.flags = buildFlags(found);
      return found;
    }),
  );
  return { kind: "ollama", origin, baseUrl: origin, api: "ollama", providerId: "ollama", latencyMs, models: models.filter((model): model is DiscoveredModel => model !== undefined) };
}

function openAiServer(origin: string, latencyMs: number, listing: unknown): DiscoveredServer {
  const entries = array(record(listing).data).map(record);
  const vllm = entries.some((entry) => entry.owned_by === "vllm" || "max_model_len" in entry);
  const models = entries.map((entry): DiscoveredModel => {
    const found: DiscoveredModel = { id: stringOf(entry.id), servedContext: numberOf(entry.max_model_len), loaded: true, flags: [] };
    found.flags = buildFlags(found);
    return found;
  });
  return { kind: vllm ? "vllm" : "openai-compatible", origin, baseUrl: `${origin}/v1`, api: "openai-completions", providerId: vllm ? "vllm" : "local", latencyMs, models };
}

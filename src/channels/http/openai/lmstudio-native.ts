import type { ModelRef, ModelSpec } from "../../../ai/model-spec.js";
import { providerPath } from "../../../models/provider-words.js";
import type { Catalogue, GatewayPort, ServedModel } from "../../../gateway/port.js";
import { describe, RequestProblem } from "./request-problem.js";
import { AGENT_NAME, resolveNamed } from "./target.js";

/**
 * `GET /api/v1/models` as LM Studio 0.4 lists models (`{ models: [{ key, display_name,
 * loaded_instances, max_context_length, capabilities, … }] }`): every name hearth serves under the
 * key a client must send back (an agent, a ref), each field true of what that name gets:
 * - `max_context_length` (and a loaded instance's `context_length`): the window requests are planned
 *   against — the smallest one its servers reported, else the configured one; an agent's is its primary's;
 * - `loaded_instances`: empty only while its server said the model (an agent: its primary) is not
 *   loaded — LM Studio as last seen, Ollama in its `/api/ps` now (see lookListed) — a request still
 *   gets it loaded, as their own loading on request does, and `POST /api/v1/models/load` warms it; a
 *   hosted model, or one whose state is not known, is listed loaded;
 * - `capabilities.trained_for_tool_use`: false for an agent (it runs its own tools: a client's are
 *   not used) and for a model its config or server says cannot take tools;
 * - `capabilities.vision`: a model that takes images; an agent whose primary does (agent mode passes images on).
 * What hearth cannot know of a model it does not hold (its architecture, quantisation, format,
 * parameter count) is null, which LM Studio's REST reference (lmstudio-ai/docs, "List your models")
 * allows for those fields; `size_bytes` it types a number, never null (clients format and sum it), and
 * hearth holds no file of any model it serves: 0.
 */
export function lmStudioListing(port: Pick<GatewayPort, "catalogue" | "served">): { models: Record<string, unknown>[] } {
  const catalogue = port.catalogue();
  const entry = (fields: { key: string; displayName: string; publisher: string; served: ServedModel | undefined; configuredWindow: number; vision: boolean; tools: boolean }): Record<string, unknown> => {
    const contextLength = fields.served?.contextWindow ?? fields.configuredWindow;
    return {
      type: "llm",
      publisher: fields.publisher,
      key: fields.key,
      display_name: fields.displayName,
      architecture: null,
      quantization: null,
      size_bytes: 0,
      params_string: null,
      loaded_instances: fields.served?.loaded === false ? [] : [{ id: fields.key, config: { context_length: contextLength } }],
      max_context_length: contextLength,
      format: null,
      capabilities: { vision: fields.vision, trained_for_tool_use: fields.tools },
      description: null,
    };
  };
  const modelOf = (ref: ModelRef | undefined) => catalogue.models.find((model) => model.ref === ref);
  const agents = catalogue.agents.map((agent) => {
    const primary = modelOf(agent.primary);
    return entry({ key: agent.id === "main" ? AGENT_NAME : `${AGENT_NAME}/${agent.id}`, displayName: agent.name, publisher: "hearth", served: primary && port.served(primary.ref), configuredWindow: primary?.spec.contextWindow ?? 0, vision: primary?.spec.input.includes("image") ?? false, tools: false });
  });
  const models = catalogue.models.filter((model) => model.listed).map((model) => {
    const served = port.served(model.ref);
    return entry({ key: model.ref, displayName: model.alias ?? model.spec.name, publisher: model.spec.provider, served, configuredWindow: model.spec.contextWindow, vision: model.spec.input.includes("image"), tools: served?.tools !== false });
  });
  return { models: [...agents, ...models] };
}

/**
 * Asks the servers of the models a listing names (each agent's primary, every listed model) what they
 * have in memory now, where only a look says it (Ollama: see GatewayPort.lookLoaded); a few seconds at most.
 */
export async function lookListed(port: Pick<GatewayPort, "catalogue" | "lookLoaded">): Promise<void> {
  const catalogue = port.catalogue();
  const refs = new Set<ModelRef>([...catalogue.agents.flatMap((agent) => (agent.primary ? [agent.primary] : [])), ...catalogue.models.filter((model) => model.listed).map((model) => model.ref)]);
  await port.lookLoaded([...refs]);
}

/**
 * `GET /api/v0/models` as LM Studio 0.3.6+ lists models (`{ object: "list", data: [{ id, object, type,
 * publisher, arch, compatibility_type, quantization, state, max_context_length }] }`, lmstudio-ai/docs
 * "REST API v0"), for clients made before its v1 API: the same names and facts as /api/v1/models
 * (`state` "loaded" but where LM Studio said the model is not, `loaded_context_length` while loaded);
 * what hearth cannot know of a model it does not hold is null.
 */
export function lmStudioV0Listing(port: Pick<GatewayPort, "catalogue" | "served">): { object: "list"; data: Record<string, unknown>[] } {
  const data = lmStudioListing(port).models.map((model) => {
    const loaded = Array.isArray(model.loaded_instances) && model.loaded_instances.length > 0;
    return {
      id: model.key,
      object: "model",
      type: "llm",
      publisher: model.publisher,
      arch: null,
      compatibility_type: null,
      quantization: null,
      state: loaded ? "loaded" : "not-loaded",
      max_context_length: model.max_context_length,
      ...(loaded ? { loaded_context_length: model.max_context_length } : {}),
    };
  });
  return { object: "list", data };
}

export interface LoadOutcome {
  status: number;
  body: Record<string, unknown>;
}

/** A warm-up's end: loaded after `seconds`, or why not. */
export type WarmResult = { ok: true; seconds: number } | { ok: false; why: string };

/**
 * The warm-ups running, by model ref and replica (`local/m1 http://127.0.0.1:8080/v1`): a load asked
 * while one of the same model runs waits for that one's answer instead of sending another (40 clients
 * at once are one upstream load per replica, not 40).
 */
export type RunningLoads = Map<string, Promise<WarmResult>>;

/**
 * `POST /api/v1/models/load`: warms the local model a name stands for (an agent: its primary) with a
 * one-token call through the proxy on each of its replicas (every server of its provider's `baseUrls`:
 * the balancer may send the next request to any of them). Answers when all loaded, or after `waitMs`
 * with status "loading" (the warm-ups go on). A hosted model needs no load; a call never moves on to
 * another replica or a fallback.
 */
export async function loadModel(request: { port: GatewayPort; body: unknown; waitMs: number; running: RunningLoads }): Promise<LoadOutcome> {
  const { port, body, waitMs, running } = request;
  const name = keyIn(body, { field: "model", what: 'the key GET /api/v1/models lists (e.g. "hearth" or a model ref)' });
  const model = modelNamed(port.catalogue(), { name, field: "model", verb: "load" });
  const ref = model.ref;
  const given = loadOptionsGiven(body as Record<string, unknown>);
  // Said once the warm-up has asked the server what it serves (the words read the window known then).
  const notApplied = (): string | undefined => given && `not applied: ${given} — a client's load options are not used: ${contextWords({ spec: model.spec, local: model.local, served: port.served(ref)?.contextWindow })}`;
  const loaded = (seconds: number): LoadOutcome => {
    const said = notApplied();
    return { status: 200, body: { type: "llm", instance_id: name, load_time_seconds: seconds, status: "loaded", ...(said ? { message: said } : {}) } };
  };
  if (!model.local) return loaded(0);
  const replicas = model.spec.replicas;
  const warmings = replicas.map((replica) => warmShared({ port, ref, replica: replicas.length > 1 ? replica : undefined, running }).then((result) => ({ replica, result })));
  const answer = Promise.all(warmings).then((results): LoadOutcome => {
    const failed = results.filter((entry): entry is { replica: string; result: { ok: false; why: string } } => !entry.result.ok);
    if (failed.length === 0) return loaded(Math.max(...results.map((entry) => (entry.result.ok ? entry.result.seconds : 0))));
    // One server: said as before; replicas: each that failed, by its address.
    const why = replicas.length > 1 ? failed.map((entry) => `on ${entry.replica}: ${entry.result.why}`).join("; ") : `: ${failed[0]?.result.why ?? ""}`;
    return { status: 503, body: { error: { message: `${ref} did not load${replicas.length > 1 ? " " : ""}${why}`, type: "server_error", param: null, code: "model_load_failed" } } };
  });
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<LoadOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 200, body: { type: "llm", instance_id: name, status: "loading", message: [`${ref} is still loading; hearth waits for it when a request comes`, ...(given ? [notApplied()] : [])].join(". ") } }), waitMs);
  });
  try {
    return await Promise.race([answer, waited]);
  } finally {
    clearTimeout(timer);
  }
}

/** The string `field` of a body (LM Studio's `model`, `instance_id`): required (a 400 naming it, and `what` it is). */
export function keyIn(body: unknown, key: { field: string; what: string }): string {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[key.field] : undefined;
  if (typeof value !== "string" || value === "") throw new RequestProblem({ status: 400, message: `${key.field}: required, ${key.what}`, code: "invalid_value", param: key.field });
  return value;
}

/** The model a name stands for (an agent: its primary), as a request naming it gets it; an agent without one is a 404 saying it has nothing to `verb`. */
export function modelNamed(catalogue: Catalogue, named: { name: string; field: string; verb: string }): Catalogue["models"][number] {
  const target = resolveNamed({ name: named.name, field: named.field }, catalogue);
  const ref = target.mode === "proxy" ? target.ref : catalogue.agents.find((agent) => (target.agent ?? "main") === agent.id)?.primary;
  const model = catalogue.models.find((candidate) => candidate.ref === ref);
  if (!model) throw new RequestProblem({ status: 404, message: `"${named.name}" has no model to ${named.verb}: give the agent a primary model (agents.defaults.model.primary)`, code: "model_not_found", param: named.field });
  return model;
}

/** LM Studio's load options besides `model` (the key) and `echo_load_config` (asks for an echo only). */
const LOAD_OPTIONS = ["context_length", "eval_batch_size", "flash_attention", "num_experts", "offload_kv_cache_to_gpu"];

/**
 * A load's options are the config's and the server's to set, not a client's: a context_length that is no
 * whole number of tokens is refused (400, naming it); the options given, to be said not applied with the
 * context the model runs with (contextWords); undefined: none given.
 */
function loadOptionsGiven(body: Record<string, unknown>): string | undefined {
  const length = body.context_length;
  if (length !== undefined && length !== null && !(typeof length === "number" && Number.isInteger(length) && length > 0)) {
    throw new RequestProblem({ status: 400, message: `context_length: expected a whole number of tokens, got ${describe(length)}`, code: "invalid_value", param: "context_length" });
  }
  const given = LOAD_OPTIONS.filter((option) => body[option] !== undefined && body[option] !== null);
  return given.length === 0 ? undefined : given.join(", ");
}

/**
 * The context a model runs with, said from where it comes — the server's where it serves less than the
 * config's contextWindow (requests are then planned against it) — and the fix that changes it, as
 * `hearth doctor` says it.
 */
function contextWords(model: { spec: ModelSpec; local: boolean; served: number | undefined }): string {
  const { spec, served } = model;
  const tokens = (count: number): string => `${count.toLocaleString("en-US")} tokens`;
  const setting = `${providerPath(spec)} → ${spec.id} contextWindow`;
  if (!model.local) return `${spec.ref} is hosted: nothing is loaded, and requests are planned against its contextWindow in the config (${tokens(spec.contextWindow)})`;
  if (served !== undefined && served < spec.contextWindow) {
    return `${spec.ref} runs with the ${tokens(served)} of context its server serves, less than its contextWindow in the config (${tokens(spec.contextWindow)}), so requests are planned against ${tokens(served)}; lower ${setting} to ${served}, or serve it a larger context (\`hearth doctor\` names how for its server)`;
  }
  return `${spec.ref} runs with the context its server was started or loaded with, and requests are planned against its contextWindow in the config (${tokens(spec.contextWindow)}; a server that serves less is planned against its own); change the context on the server (\`hearth doctor\` names how) and ${setting} with it`;
}

/** The warm-up of `ref` on `replica` (undefined: its one server) running now, else a new one, kept in `running` until it ends. */
function warmShared(target: { port: GatewayPort; ref: string; replica: string | undefined; running: RunningLoads }): Promise<WarmResult> {
  const { running, ref, replica } = target;
  const key = replica === undefined ? ref : `${ref} ${replica}`;
  const existing = running.get(key);
  if (existing) return existing;
  const started = warm(target.port, { ref, replica });
  running.set(key, started);
  void started.finally(() => {
    if (running.get(key) === started) running.delete(key);
  });
  return started;
}

/** One one-token call to `ref` through the proxy (on `replica` alone, where given), never moving on to a fallback; never throws. */
async function warm(port: GatewayPort, target: { ref: string; replica: string | undefined }): Promise<WarmResult> {
  const { ref, replica } = target;
  const started = performance.now();
  const controller = new AbortController();
  try {
    const stream = port.proxy({ model: ref, context: { messages: [{ role: "user", content: "ok" }] }, options: { maxTokens: 1, signal: controller.signal }, signal: controller.signal, replica });
    for await (const event of stream) {
      if (event.type === "attempt-start" && event.model !== ref) controller.abort();
      if (event.type === "route-end") return { ok: true, seconds: Math.round(performance.now() - started) / 1000 };
      if (event.type === "route-error") return { ok: false, why: event.attempts.find((attempt) => attempt.model === ref)?.message ?? event.message };
    }
    return { ok: false, why: "the call ended without an answer" };
  } catch (error) {
    return { ok: false, why: error instanceof Error ? error.message : String(error) };
  }
}

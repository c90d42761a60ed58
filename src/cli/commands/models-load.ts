import { HttpClient } from "../../ai/http/http-client.js";
import { discoverServers, originOf } from "../../ops/discover.js";
import { loadLmStudioModel, notLmStudio, unloadLmStudioModel } from "../../ops/lmstudio-load.js";
import { authHeaders } from "../../ops/probe-provider.js";
import { HearthError } from "../../shared/errors.js";
import { providerPath } from "../../models/provider-words.js";
import { systemClock } from "../../shared/clock.js";
import { asTyped, commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";
import { loadModelsInUse, sayRunningOnDefault } from "../load-models.js";
import { Spinner } from "../spinner.js";

export interface LoadOptions extends GlobalOptions {
  context?: string;
  ttl?: string;
  url?: string;
}

interface Target {
  origin: string;
  id: string;
  headers: Record<string, string>;
  contextWindow: number | undefined;
  /** Where the config sets that context (`models.providers.lmstudio → m contextWindow`); undefined with --url. */
  contextSetting: string | undefined;
}

/** REF: a configured model (ref, alias or id), or, with --url, the server's own model key. */
async function target(io: CliIo, options: LoadOptions, ref: string): Promise<Target> {
  if (options.url) return { origin: originOf(options.url), id: ref, headers: {}, contextWindow: undefined, contextSetting: undefined };
  const models = await loadModelsInUse(io, options);
  sayRunningOnDefault(io, models);
  const { resolved } = models;
  const found = resolved.catalog.lookup(ref);
  if (!found.ok) throw new HearthError("usage", found.reason, [`fix: name a configured model (\`${commandLine(io, "models list --local")}\` lists them), or give the server with --url`]);
  const provider = resolved.catalog.providers.get(found.model.provider);
  if (!provider?.local) throw new HearthError("usage", `${found.model.ref} is a hosted model: only a local LM Studio loads and unloads models`, ["fix: name a model of your LM Studio provider"]);
  return { origin: originOf(found.model.baseUrl), id: found.model.id, headers: authHeaders(provider), contextWindow: found.model.contextWindow, contextSetting: `${providerPath(found.model)} → ${found.model.id} contextWindow` };
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new HearthError("usage", `${flag} ${JSON.stringify(value)} is not a positive whole number`, [`fix: for example ${flag} 32768`]);
  return number;
}

/**
 * The server at `origin` answers as another kind of model server than LM Studio (llama.cpp, Ollama,
 * vLLM…): the error that says how that one loads a model. A server that does not answer is left to the
 * request itself to report.
 */
async function refuseOtherServer(io: CliIo, at: { http: HttpClient; origin: string; id: string; context: { tokens: number | undefined; setting: string | undefined } }): Promise<void> {
  const { http, origin, context } = at;
  const found = await discoverServers(http, [origin]);
  const [gateway] = found.gateways;
  // A hearth gateway answers there: said as what it is, not sent a load it cannot do.
  if (gateway) throw new HearthError("runtime", gateway.title, [`fix: ${asTyped(io, gateway.fix)}`]);
  const [server] = found.servers;
  if (!server || server.kind === "lmstudio") return;
  // What the server serves (a llama-server: its one model's file, trained and served context), so the fix names a context the model can have.
  const served = server.models.find((listed) => listed.id === at.id) ?? (server.models.length === 1 ? server.models[0] : undefined);
  const llama = served ? { modelPath: served.modelPath, trained: served.maxContext, served: served.servedContext, slots: served.slots } : undefined;
  const { message, fix } = notLmStudio(server.kind, origin, { ...context, llama });
  throw new HearthError("runtime", message, [`fix: ${asTyped(io, fix)}`]);
}

/** `hearth models load REF [--context N] [--ttl S]`: LM Studio loads the model; waits until it is ready. */
export async function modelsLoad(io: CliIo, options: LoadOptions, ref: string): Promise<number> {
  const model = await target(io, options, ref);
  const asked = positiveInteger(options.context, "--context");
  const contextLength = asked ?? model.contextWindow;
  const ttlSeconds = positiveInteger(options.ttl, "--ttl");
  const http = new HttpClient();
  try {
    await refuseOtherServer(io, { http, origin: model.origin, id: model.id, context: { tokens: contextLength, setting: asked === undefined ? model.contextSetting : undefined } });
  } catch (error) {
    http.destroy();
    throw error;
  }
  const spinner = new Spinner(io.stderr, Boolean(io.stderr.isTTY) && !options.json);
  const started = systemClock.now();
  const label = `loading ${model.id}${contextLength ? ` with ${contextLength} tokens of context` : ""}`;
  if (!options.json && !io.stderr.isTTY) writeLine(io.stderr, `${label[0]?.toUpperCase()}${label.slice(1)}…`);
  const tick = setInterval(() => spinner.start(`${label} (${Math.round((systemClock.now() - started) / 1000)} s)`), 1000);
  spinner.start(label);
  try {
    const result = await loadLmStudioModel(http, { origin: model.origin, model: model.id, contextLength, ttlSeconds, headers: model.headers });
    clearInterval(tick);
    spinner.stop();
    if (options.json) {
      writeJson(io, result.ok ? { loaded: true, model: model.id, instanceId: result.instanceId, loadSeconds: result.loadSeconds, contextLength: result.contextLength ?? null } : { loaded: false, model: model.id, error: result.failure.message, fix: result.fix });
      return result.ok ? 0 : 1;
    }
    if (!result.ok) {
      writeLine(io.stderr, `hearth: loading ${model.id} failed: ${result.failure.message}`);
      writeLine(io.stderr, `  fix: ${asTyped(io, result.fix)}`);
      return 1;
    }
    writeLine(io.stdout, `Loaded ${result.instanceId} in ${result.loadSeconds.toFixed(1)} s${result.contextLength ? ` with ${result.contextLength} tokens of context` : ""}${ttlSeconds ? `; unloaded after ${ttlSeconds} s idle` : ""}.`);
    return 0;
  } finally {
    clearInterval(tick);
    spinner.stop();
    http.destroy();
  }
}

/** `hearth models unload REF`: every loaded instance of the model. */
export async function modelsUnload(io: CliIo, options: LoadOptions, ref: string): Promise<number> {
  const model = await target(io, options, ref);
  const http = new HttpClient();
  try {
    await refuseOtherServer(io, { http, origin: model.origin, id: model.id, context: { tokens: undefined, setting: undefined } });
    const result = await unloadLmStudioModel(http, { origin: model.origin, model: model.id, headers: model.headers });
    if (options.json) {
      writeJson(io, result.ok ? { unloaded: true, model: model.id, instances: result.instances } : { unloaded: false, model: model.id, error: result.message, fix: result.fix });
      return result.ok ? 0 : 1;
    }
    if (!result.ok) {
      writeLine(io.stderr, `hearth: ${result.message}`);
      writeLine(io.stderr, `  fix: ${asTyped(io, result.fix)}`);
      return 1;
    }
    writeLine(io.stdout, `Unloaded ${result.instances.join(", ")}.`);
    return 0;
  } finally {
    http.destroy();
  }
}

import { statSync } from "node:fs";
import { replaceFileWhole } from "../../shared/state-file.js";
import json5 from "json5";
import { HttpClient } from "../../ai/http/http-client.js";
import { isLocalUrl } from "../../models/is-local.js";
import { configLocation } from "../../config/paths.js";
import { readConfigFile } from "../../config/read-config-file.js";
import { renderJson5, renderKey } from "../../config/json5-edit.js";
import { DEFAULT_ORIGINS, discoverServers, originOf, type DiscoveredModel, type DiscoveredServer, type DiscoveryReport } from "../../ops/discover.js";
import { addDiscoveredProviders, apartWords, discoveredRef, entriesToAdd, providerBlock } from "../../ops/discover-write.js";
import { SERVER_NAMES } from "../../ai/server-kind.js";
import { modelKeys } from "../../ops/discover-keys.js";
import { discoveredContextNote } from "../../ops/discover-context.js";
import { nameInConfig, type NamedServer } from "../../ops/discover-names.js";
import { askPrimaryServer, choosePrimary } from "../../ops/discover-primary.js";
import { formatBillions, totalBillions } from "../../ops/build-judgement.js";
import { sharedCacheProblem } from "../../ops/status-problems.js";
import { HearthError } from "../../shared/errors.js";
import { shellLine, shellQuote } from "../../shared/shell-quote.js";
import { asTyped, commandLine, painter, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

export interface DiscoverOptions extends GlobalOptions {
  url?: string[];
  write?: boolean;
}

/** `hearth models discover [--url URL] [--write] [--json]`: the model servers on this machine and what they serve. */
export async function modelsDiscover(io: CliIo, options: DiscoverOptions): Promise<number> {
  const configText = readableConfig(io, options);
  const origins = options.url && options.url.length > 0 ? options.url.map(checkedUrl) : usualAndConfigured(configText);
  const http = new HttpClient();
  let report: DiscoveryReport & { servers: NamedServer[] };
  let written: { file: string; changes: string[]; note?: string } | undefined;
  try {
    const found = await discoverServers(http, origins);
    // Each server named as --write names it: one the config has by its provider id, with the models that are new.
    report = { ...found, servers: nameInConfig(configText, found.servers) };
    written = options.write ? await writeDiscovered(io, { options, report, http }) : undefined;
  } finally {
    http.destroy();
  }
  if (options.json) {
    writeJson(io, { ...report, ...(written ? { written } : {}) });
    return report.servers.length > 0 ? 0 : 1;
  }
  if (report.servers.length === 0) {
    printGateways(io, report);
    if (report.silent.length > 0) {
      writeLine(io.stdout, `No model server answered at ${report.silent.map((entry) => `${entry.origin} (${entry.reason})`).join(", ")}.`);
      writeLine(io.stdout, "Start one (LM Studio: Developer → Start Server; llama-server; ollama serve; vllm serve), or give its address with --url.");
    }
    return 1;
  }
  for (const server of report.servers) printServer(io, server);
  printGateways(io, report);
  if (written) {
    for (const change of written.changes) writeLine(io.stdout, `${written.file}: ${change}`);
    if (written.note) writeLine(io.stdout, `note: ${written.note}`);
  } else {
    printPasteable(io, { servers: report.servers, configText, urls: options.url ?? [] });
  }
  return 0;
}

/** A hearth gateway where a model server was looked for: it answered, and is not one to write (gatewayAsServer's words). */
function printGateways(io: CliIo, report: DiscoveryReport): void {
  for (const gateway of report.gateways) {
    writeLine(io.stdout, `${gateway.title}: not written as a provider.`);
    writeLine(io.stdout, `  fix: ${asTyped(io, gateway.fix)}`);
  }
}

/** What to add by hand, as `--write` would: each new server's provider block, and the new models of a server the config has already. */
function printPasteable(io: CliIo, what: { servers: readonly NamedServer[]; configText: string | undefined; urls: readonly string[] }): void {
  const fresh = what.servers.filter((server) => server.configured === undefined && server.hosted === undefined && server.models.length > 0);
  const grown = what.servers.filter((server) => server.configured !== undefined && server.configured.newModels.length > 0);
  if (fresh.length === 0 && grown.length === 0) {
    writeLine(io.stdout, "Nothing to add: the config has every server found, with every model it serves.");
    return;
  }
  // The command to paste: the same --url (and, by commandLine, the same --config) as this one.
  const write = shellLine(["models", "discover", ...what.urls.flatMap((url) => ["--url", url]), "--write"]);
  writeLine(io.stdout, `Add ${fresh.length > 0 ? "them" : "the new models"} to the config with \`${commandLine(io, write)}\`, or paste by hand:`);
  if (fresh.length > 0) writeLine(io.stdout, "  under models.providers:");
  for (const server of fresh) writeLine(io.stdout, `    ${renderKey(server.providerId)}: ${renderJson5(providerBlock(server), "    ")},`);
  for (const server of grown) {
    const models = server.models.filter((model) => server.configured?.newModels.includes(model.id));
    writeLine(io.stdout, `  under models.providers.${server.providerId}.models (in the config already):`);
    for (const entry of entriesToAdd(what.configText ?? "{}", { ...server, models })) writeLine(io.stdout, `    ${renderJson5(entry, "    ")},`);
  }
}

/** The config file's text for naming what was found, or undefined where there is none or it cannot be read (--write reports that). */
function readableConfig(io: CliIo, options: GlobalOptions): string | undefined {
  try {
    return readConfigFile(configLocation(options.config, { env: io.env, cwd: io.cwd }).file);
  } catch {
    return undefined;
  }
}

/** The usual ports, then every server on this machine the config file's providers name (a llama-server on its own port), each once. */
function usualAndConfigured(text: string | undefined): string[] {
  let providers: Record<string, { baseUrl?: unknown }> = {};
  try {
    providers = (text === undefined ? undefined : (json5.parse(text) as { models?: { providers?: Record<string, { baseUrl?: unknown }> } } | null))?.models?.providers ?? {};
  } catch {
    // A config that does not parse names no servers; --write reports it.
  }
  const configured = Object.values(providers).flatMap((provider) => (typeof provider?.baseUrl === "string" && isLocalUrl(provider.baseUrl) ? [originOf(provider.baseUrl)] : []));
  return [...new Set([...DEFAULT_ORIGINS, ...configured])];
}

function checkedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return url;
  } catch {
    // reported below
  }
  throw new HearthError("usage", `--url ${JSON.stringify(url)} is not an http:// address`, ["fix: give the server's address, such as --url http://127.0.0.1:1234"]);
}

function printServer(io: CliIo, server: NamedServer): void {
  const paint = painter(io);
  if (server.hosted) {
    // The config keeps this provider as hosted (a built-in one at a relay on this machine): what answered is said, nothing is proposed for it.
    const listed = server.models.length === 0 ? "it lists no models" : `it lists ${server.models.length} model${server.models.length === 1 ? "" : "s"} (${server.models.map((model) => model.id).join(", ")})`;
    writeLine(io.stdout, `${paint("bold", `${kindName(server.kind)} at ${server.origin}`)} (answered in ${server.latencyMs} ms): models.providers.${server.hosted.provider} points here, a hosted provider (built in): left as it is; ${listed}`);
    return;
  }
  const configured = server.configured;
  const known = configured === undefined ? (server.apart ? ` (new: ${apartWords(server, server.apart)})` : "") : ` (in the config already${configured.newModels.length === 0 ? ", with every model it serves" : `; new: ${configured.newModels.join(", ")}`})`;
  writeLine(io.stdout, `${paint("bold", `${kindName(server.kind)} at ${server.origin}`)} (answered in ${server.latencyMs} ms) → provider ${server.providerId}${known}, api ${server.api}, baseUrl ${server.baseUrl}`);
  if (server.models.length === 0) writeLine(io.stdout, "  serves no chat models");
  const keys = modelKeys(server.models.map((model) => model.id));
  for (const model of server.models) {
    writeLine(io.stdout, `  ${model.id}`);
    const facts = modelFacts(model);
    if (facts.length > 0) writeLine(io.stdout, `    ${facts.join(" · ")}`);
    // Where hearth sets the context (Ollama's num_ctx, LM Studio's load), the contextWindow written and why.
    const context = discoveredContextNote(model, { kind: server.kind, ref: shellQuote(discoveredRef(server.providerId, model, keys)) });
    if (context) writeLine(io.stdout, `    ${paint("dim", "i context")}: ${asTyped(io, context)}`);
    if (model.slots !== undefined && model.slots > 1 && model.servedContext !== undefined) {
      const shared = sharedCacheProblem(model.slots, model.servedContext, { provider: server.providerId, kvCache: undefined });
      writeLine(io.stdout, `    ${paint("dim", "i info")}: ${shared.title}`);
      writeLine(io.stdout, `      fix: ${asTyped(io, shared.fix)}`);
    }
    for (const flag of model.flags) writeLine(io.stdout, `    ${paint("yellow", "! warn")}: ${flag}: prefer the largest full-size build you can run (more parameters, Q6/Q8 or full precision)`);
  }
}

function kindName(kind: DiscoveredServer["kind"]): string {
  return SERVER_NAMES[kind];
}

function modelFacts(model: DiscoveredModel): string[] {
  const facts: string[] = [];
  const billions = totalBillions(model);
  if (model.params) facts.push(`${model.params} params`);
  else if (billions !== undefined) facts.push(`${formatBillions(billions)} params`);
  if (model.quantization) facts.push(model.bitsPerWeight !== undefined ? `${model.quantization} (${model.bitsPerWeight} bits/weight)` : model.quantization);
  if (model.format) facts.push(model.format);
  if (model.loaded === false) facts.push("not loaded");
  if (model.servedContext !== undefined) facts.push(`${model.loaded === false ? "would run" : "runs"} with ${model.servedContext} context${model.slots !== undefined && model.slots > 1 ? ` in ${model.slots} slots` : ""}`);
  if (model.maxContext !== undefined) facts.push(`max context ${model.maxContext}`);
  if (model.toolUse !== undefined) facts.push(model.toolUse ? "tools" : "no tools");
  if (model.vision) facts.push("vision");
  if (model.reasoning) facts.push("reasoning");
  if (model.modelPath) facts.push(model.modelPath);
  if (model.chatTemplate) facts.push(`template ${JSON.stringify(model.chatTemplate.slice(0, 40))}`);
  return facts;
}

/** Edits the config file in place (through a temporary file and a rename); the file must exist. A model found becomes the primary where the config has no usable one (choosePrimary). */
async function writeDiscovered(io: CliIo, what: { options: DiscoverOptions; report: DiscoveryReport; http: HttpClient }): Promise<{ file: string; changes: string[]; note?: string } | undefined> {
  const { options, report } = what;
  const servers = report.servers;
  if (servers.length === 0) return undefined;
  const location = configLocation(options.config, { env: io.env, cwd: io.cwd });
  const text = readConfigFile(location.file);
  if (text === undefined) {
    throw new HearthError("config", `no config at ${location.file} to add the servers to`, [`fix: run \`${commandLine(io, "init --discover")}\`: it writes a starter config with what it finds`]);
  }
  const added = addDiscoveredProviders(text, servers, io.env);
  const primary = choosePrimary(added.text, { servers, primaryServer: await askPrimaryServer(what.http, added.text, report), env: io.env });
  const edit = { text: primary.text, changes: [...added.changes, ...(primary.change ? [primary.change] : [])] };
  if (edit.text !== text) {
    replaceFileWhole(location.file, edit.text, statSync(location.file).mode & 0o777);
  }
  return { file: location.file, changes: edit.changes, ...(primary.advice ? { note: primary.advice } : {}) };
}

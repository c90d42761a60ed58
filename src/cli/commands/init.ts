import { shellQuote } from "../../shared/shell-quote.js";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { HEARTH_SCHEMA_TITLE } from "../../config/json-schema.js";
import { configLocation } from "../../config/paths.js";
import { defaultLocalBaseUrl } from "../../config/default-config.js";
import { STARTER_PRIMARY, starterConfig } from "../../config/starter-config.js";
import { HttpClient } from "../../ai/http/http-client.js";
import { DEFAULT_ORIGINS, discoverServers, type DiscoveryReport } from "../../ops/discover.js";
import { addDiscoveredProviders } from "../../ops/discover-write.js";
import { askPrimaryServer, choosePrimary, currentPrimary } from "../../ops/discover-primary.js";
import { HearthError, isHearthError } from "../../shared/errors.js";
import { installDir } from "../../shared/install-dir.js";
import { asTyped, commandLine, writeJson, writeLine, type CliIo, type GlobalOptions } from "../io.js";

export interface InitOptions extends GlobalOptions {
  discover?: boolean;
  url?: string[];
}

/**
 * `hearth init [--discover]`: writes the starter config; never overwrites a file. With --discover the
 * model servers found on this machine are added to it; without, a server that answers is mentioned.
 */
export async function init(given: CliIo, options: InitOptions): Promise<number> {
  const location = configLocation(options.config, { env: given.env, cwd: given.cwd });
  // The file just written, named on every command advised (commandLine's --config): from HEARTH_CONFIG too, which the next shell may not have.
  const io: CliIo = { ...given, configFlag: options.config ?? (given.env.HEARTH_CONFIG || undefined) };
  if (existsSync(location.file)) {
    throw new HearthError("runtime", `${location.file} already exists; hearth init never overwrites a config`, [
      `fix: edit it, check it with \`${commandLine(io, "config validate")}\`, or give another path with --config`,
    ]);
  }
  mkdirSync(dirname(location.file), { recursive: true, mode: 0o700 });
  const placed = copySchemaBeside(location.file);
  const schema = placed && "copy" in placed ? placed.copy : undefined;
  const starter = (starterModel: boolean): string => starterConfig({ schemaUrl: schema ? `./${basename(schema)}` : undefined, baseUrl: defaultLocalBaseUrl(given.env), starterModel });
  writeFileSync(location.file, starter(true), { mode: 0o600, flag: "wx" });
  const http = new HttpClient();
  let found: DiscoveryReport;
  let plan: DiscoveredPlan;
  try {
    found = await discoverServers(http, options.url && options.url.length > 0 ? options.url : [...DEFAULT_ORIGINS]);
    // Without --discover the plan only shapes the advice: one that cannot be made leaves the plain advice.
    plan = await planDiscovered(io, { text: starter(true), found, http })
      // A server at LM Studio's address that serves other models: the starter's model (its alias and entry) names nothing there, and is left out.
      .then(async (first) => (first.starterModelUnserved ? withoutStarterModel(await planDiscovered(io, { text: starter(false), found, http }), first.starterModelUnserved) : first))
      .catch((error: unknown) => {
        if (options.discover || !isHearthError(error)) throw error;
        return { text: "", changes: [], primary: undefined, advice: undefined };
      });
  } finally {
    http.destroy();
  }
  if (options.discover && found.servers.length > 0) writeFileSync(location.file, plan.text, { mode: 0o600 });
  const changes = options.discover ? (found.servers.length === 0 ? ["no model server answered: the starter config is as written"] : plan.changes) : [];
  if (options.json) {
    writeJson(io, { file: location.file, written: true, ...(schema ? { schema } : {}), ...(placed && "kept" in placed ? { schemaKept: placed.kept } : {}), servers: found.servers.map((server) => ({ kind: server.kind, origin: server.origin, models: server.models.map((model) => model.id) })), changes });
    return 0;
  }
  writeLine(io.stdout, `Wrote ${location.file}${schema ? ` (and ${basename(schema)} beside it, for editors)` : ""}`);
  if (placed && "kept" in placed) writeLine(io.stdout, `  ${placed.kept} is not hearth's: left as it was, and the config has no $schema (editors: add \`$schema: "${placed.packaged}"\`)`);
  for (const change of changes) writeLine(io.stdout, `  ${change}`);
  // The same servers, and the same file: the usual ports are not asked again where --url named others.
  const same = (options.url ?? []).map((url) => ` --url ${shellQuote(url)}`).join("");
  if (found.servers.length > 0 && !options.discover) {
    const where = found.servers.map((server) => `${server.origin} (${server.models.length} model${server.models.length === 1 ? "" : "s"})`).join(", ");
    writeLine(io.stdout, `A model server answers at ${where}: add what it serves with \`${commandLine(io, `models discover --write${same}`)}\`.`);
  }
  // A server the user named that did not answer is said, with why, not passed over for the starter's advice.
  const named = options.url !== undefined && options.url.length > 0;
  // A hearth gateway answered: said as what it is (gatewayAsServer's words), never as "no model server answered".
  if (named) for (const gateway of found.gateways) writeLine(io.stdout, `${gateway.title}: not written as a provider.\n  fix: ${asTyped(io, gateway.fix)}`);
  if (named && found.servers.length === 0 && found.silent.length > 0) writeLine(io.stdout, `No model server answered at ${found.silent.map((entry) => `${entry.origin} (${entry.reason})`).join(", ")}.`);
  writeLine(io.stdout, `Next: ${nextStep(io, { found, plan, wrote: Boolean(options.discover), named: named ? same : undefined })}`);
  return 0;
}

/** What adding the servers found does to the new config: their providers, and the primary when the starter's is not served (choosePrimary). */
interface DiscoveredPlan {
  text: string;
  changes: string[];
  /** The primary the servers found give the config, when it changes. */
  primary: string | undefined;
  /** Why the primary stays, with what to set. */
  advice: string | undefined;
  /** The server found at the starter primary's address (its origin), when it answers without the starter's model. */
  starterModelUnserved?: string | undefined;
}

async function planDiscovered(io: CliIo, what: { text: string; found: DiscoveryReport; http: HttpClient }): Promise<DiscoveredPlan> {
  const { text } = what;
  if (what.found.servers.length === 0) return { text, changes: [], primary: undefined, advice: undefined };
  const added = addDiscoveredProviders(text, what.found.servers, io.env);
  const primaryServer = await askPrimaryServer(what.http, added.text, what.found);
  const decision = choosePrimary(added.text, { servers: what.found.servers, primaryServer, env: io.env });
  const primary = decision.change === undefined ? undefined : currentPrimary(decision.text).ref;
  const starterId = STARTER_PRIMARY.slice(STARTER_PRIMARY.indexOf("/") + 1);
  const unserved = primary !== undefined && primaryServer !== undefined && !primaryServer.models.some((model) => model.id === starterId) ? primaryServer.origin : undefined;
  return { text: decision.text, changes: [...added.changes, ...(decision.change ? [decision.change] : [])], primary, advice: decision.advice, starterModelUnserved: unserved };
}

/** The plan made on the starter without its model, saying so. */
function withoutStarterModel(plan: DiscoveredPlan, origin: string): DiscoveredPlan {
  const changes = plan.changes.map((change) => change.replace("(was unset: the config named none)", `(was ${STARTER_PRIMARY}: ${origin} does not serve it)`));
  return { ...plan, starterModelUnserved: undefined, changes: [...changes, `left out the starter's alias Minimax and model entry for ${STARTER_PRIMARY}: the server there serves other models`] };
}

/** The closing advice, for the server kind found: never "load MiniMax in LM Studio" when llama.cpp answered. */
function nextStep(io: CliIo, what: { found: DiscoveryReport; plan: DiscoveredPlan; wrote: boolean; named: string | undefined }): string {
  const { found, plan } = what;
  const run = (args: string): string => commandLine(io, args);
  if (found.servers.length === 0 && what.named !== undefined && found.silent.length === 0) {
    return `give the address of a model server behind the gateway: \`${commandLine(io, "models discover --write --url ADDRESS")}\` adds what it serves and makes one of its models the primary.`;
  }
  if (found.servers.length === 0 && what.named !== undefined) {
    return `start the model server at ${found.silent.map((entry) => entry.origin).join(", ")} (or check the address), then \`${commandLine(io, `models discover --write${what.named}`)}\` adds what it serves and makes one of its models the primary.`;
  }
  if (found.servers.length === 0) {
    return `load MiniMax M2.1 in LM Studio and start its server, then run \`${run("models list")}\` (with llama-server, Ollama or vLLM instead: start it, then \`${run("models discover --write")}\` adds its models and makes one the primary).`;
  }
  const kinds = [...new Set(found.servers.map((server) => KIND_NAMES[server.kind]))].join(" and ");
  if (what.wrote) {
    if (plan.primary) return `\`${run("models list")}\` shows the chain, ${plan.primary} (${kinds}) first; \`${run("doctor")}\` checks it.`;
    return `\`${run("models list")}\` shows the chain${plan.advice ? ` (${plan.advice})` : ""}; \`${run("doctor")}\` checks it.`;
  }
  if (plan.primary) return `the command above adds the models of ${kinds} and makes ${plan.primary} the primary (the starter's primary is not served); then \`${run("models list")}\`.`;
  return `the command above adds the models of ${kinds}; then \`${run("models list")}\` shows the chain.`;
}

const KIND_NAMES: Record<DiscoveryReport["servers"][number]["kind"], string> = { lmstudio: "LM Studio", llamacpp: "llama.cpp", ollama: "Ollama", vllm: "vLLM", "openai-compatible": "an OpenAI-compatible server" };

/** Where the schema went: the copy `$schema` names, or a file of that name left as it was (not hearth's). */
type SchemaCopy = { copy: string } | { kept: string; packaged: string };

/**
 * The JSON Schema goes beside the config and `$schema` names it relatively: it stays valid when the
 * checkout or the installed package moves or goes away. A file of that name is replaced only when it
 * is hearth's own earlier copy (its title); another is the user's and stays. Undefined when this
 * install has no schema.
 */
function copySchemaBeside(configFile: string): SchemaCopy | undefined {
  const install = installDir(import.meta.url);
  const packaged = install === undefined ? undefined : join(install, "schema", "hearth.schema.json");
  if (packaged === undefined || !existsSync(packaged)) return undefined;
  const copy = join(dirname(configFile), "hearth.schema.json");
  if (existsSync(copy) && !isHearthSchema(copy)) return { kept: copy, packaged };
  copyFileSync(packaged, copy);
  return { copy };
}

/** hearth's schema says who it is (src/config/json-schema.ts): a file that does not, or is not JSON, is someone else's. */
function isHearthSchema(file: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { title?: unknown };
    return parsed.title === HEARTH_SCHEMA_TITLE;
  } catch {
    return false;
  }
}

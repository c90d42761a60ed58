import { statSync } from "node:fs";
import { stateInstance } from "../config/state-instance.js";
import type { AdapterRegistry } from "../ai/adapter-registry.js";
import type { HttpClient } from "../ai/http/http-client.js";
import { DEFAULT_LOCAL_BASE_URL, defaultConfigWords } from "../config/default-config.js";
import type { LoadedConfig } from "../config/load.js";
import { fingerprint, type CooldownPersistence } from "../models/cooldowns.js";
import type { ResolvedModels } from "../models/resolve.js";
import { providerName, providerPath, refName } from "../models/provider-words.js";
import type { CooldownFacts } from "./cooldown-advice.js";
import type { ModelRef, ModelSpec } from "../ai/model-spec.js";
import { quickReachability } from "../models/reachability.js";
import { ok, type Finding } from "./doctor-finding.js";
import { gatewayFindings } from "./doctor-gateway.js";
import { serviceFindings, serviceTarget, type InstalledServiceFile, type ThisCheckout } from "./gateway-service-target.js";
import { compactionFindings, cooldownFindings, diskFinding, permissionFindings, type DiskThresholds, DISK_THRESHOLDS } from "./doctor-local.js";
import { modelsStatus, reachability, slotsSharing, type ChainStatus } from "./models-status.js";
import { whatsappFindings } from "./doctor-whatsapp.js";
import { mainAgentPrompt, type AgentPrompt, type ToolDefinitions } from "./agent-prompt.js";

export type { Finding } from "./doctor-finding.js";

/** A file and when it was last written; undefined when it does not exist. */
function fileWritten(path: string | undefined): { path: string; mtimeMs: number } | undefined {
  if (path === undefined) return undefined;
  try {
    return { path, mtimeMs: statSync(path).mtimeMs };
  } catch {
    return undefined;
  }
}

export interface DoctorReport {
  findings: Finding[];
  /** Checks run (ok ones included). */
  checks: number;
  /** Error-level findings left after --fix. */
  errors: number;
}

export interface DoctorInput {
  /** The loaded and resolved config, or the error loading it gave. */
  config:
    | { loaded: LoadedConfig; resolved: ResolvedModels }
    /** `gatewayAddress`: where the file says the gateway listens, as far as a config that does not load can be read. */
    | { error: string; fixes: readonly string[]; file: string | undefined; gatewayAddress?: { bind: string; port: number; portKnown?: boolean } | undefined };
  http: HttpClient;
  registry: AdapterRegistry;
  stateDir: string;
  cooldowns: CooldownPersistence;
  /** Filled by the cooldowns file while it is read (its onWarning). */
  cooldownWarnings: readonly string[];
  /** Where to ask the gateway's GET /health instead of the config's gateway.bind and gateway.port (HEARTH_GATEWAY_URL). */
  gatewayUrl?: string | undefined;
  /** Which of gateway.port and gateway.bind the config's file writes; absent: both, as far as the words go. An address it does not write is said as the default. */
  gatewayKeys?: { port: boolean; bind: boolean } | undefined;
  /** `~/.hearth/gateway.env` (keys and the gateway token for the service and the config's `${VAR}`s): owner-only, like the config. */
  envFile?: string | undefined;
  /** Where `hearth gateway install` puts the service on this system (none elsewhere), and this checkout's bin/hearth it would run. */
  service?: { file: InstalledServiceFile; here: ThisCheckout } | undefined;
  /** The tool schemas a tool policy lets through: the main agent's fixed part is checked against each served window. */
  toolDefinitions?: ToolDefinitions | undefined;
  now: number;
  fix: boolean;
  disk?: DiskThresholds;
}

/** Every check of `hearth doctor`; with `fix`, applies the remedies that cannot lose anything. */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const config = input.config;
  if ("error" in config) {
    const fixes = config.fixes.map((line) => line.trim()).filter((line) => line.startsWith("fix: "));
    const problems = config.fixes.map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("fix: "));
    findings.push({
      id: "config-invalid",
      severity: "error",
      group: "config",
      title: "the config does not load",
      seen: [config.error, ...problems].join(" "),
      fix: fixes.map((line) => line.slice("fix: ".length)).join("; ") || "correct the file as the problems above say; `hearth config validate` checks it again",
    });
  } else {
    findings.push(
      config.loaded.source
        ? ok("config", "config-invalid", `${config.loaded.location.file} is valid`)
        : // The built-in default the gateway runs on is what every check below judges.
          { id: "config-missing", severity: "info", group: "config", title: `no config file: hearth runs on the built-in default (${defaultConfigWords(config.resolved.chain[0]?.model.baseUrl ?? DEFAULT_LOCAL_BASE_URL)}), as the gateway does: the checks below judge it`, seen: `${config.loaded.location.file} does not exist`, fix: "`hearth init --discover` writes one with the model servers it finds" },
    );
    const prompt = input.toolDefinitions ? mainAgentPrompt(config.loaded.config, config.resolved, input.toolDefinitions) : undefined;
    findings.push(...(await modelFindings(input, config.resolved, prompt)));
    const look = quickReachability(input.http);
    findings.push(...(await chainFindings(config.resolved, (model) => look.answers(model))));
    findings.push(...compactionFindings(config.loaded.config));
  }
  const installed = input.service && serviceTarget(input.service.file, input.service.here);
  const gateway = await gatewayFindings(input.http, { gateway: "error" in config ? undefined : config.loaded.config.gateway, written: "error" in config ? config.gatewayAddress : undefined, override: input.gatewayUrl, keys: input.gatewayKeys, service: installed?.listen, state: { dir: input.stateDir, instance: stateInstance(input.stateDir) }, envFile: fileWritten(input.envFile), serviceFile: installed ? fileWritten(input.service?.file.file) : undefined });
  findings.push(...gateway.findings);
  if (input.service) findings.push(...serviceFindings(input.service.file, input.service.here));
  if (!("error" in config)) findings.push(...whatsappFindings(config.loaded.config.channels?.whatsapp, { stateDir: input.stateDir, gateway }));
  findings.push(...permissionFindings({ configFile: "error" in config ? config.file : config.loaded.source?.file, stateDir: input.stateDir, envFile: input.envFile }, input.fix));
  findings.push(...cooldownFindings(input.cooldowns, { now: input.now, fix: input.fix, warnings: input.cooldownWarnings, factsOf: "error" in config ? undefined : cooldownFactsOf(config.resolved, input.cooldowns.fingerprintKey?.()) }));
  findings.push(diskFinding(input.stateDir, input.disk ?? DISK_THRESHOLDS));
  return { findings, checks: findings.length, errors: findings.filter((finding) => finding.severity === "error" && !finding.fixed).length };
}

/** What a cooldown's advice needs of its model: where its key comes from and goes, whether it is local. */
function cooldownFactsOf(resolved: ResolvedModels, fingerprintKey: Buffer | undefined): (ref: string) => CooldownFacts {
  return (ref) => {
    const model = resolved.catalog.models.get(ref as ModelRef);
    const provider = model && resolved.catalog.providers.get(model.provider);
    if (!model || !provider) return {};
    const keyHash = fingerprintKey === undefined ? undefined : fingerprint(model, fingerprintKey);
    return { key: { source: provider.apiKeySource, env: provider.apiKeyEnv, path: providerPath(model, "apiKey") }, keyHash, local: model.local };
  };
}

/** What `models status --probe` finds, per chain model; a provider's reachability and speed once. */
async function modelFindings(input: DoctorInput, resolved: ResolvedModels, prompt: AgentPrompt | undefined): Promise<Finding[]> {
  const status = await modelsStatus(resolved, { probe: true, firstToken: false, http: input.http, registry: input.registry, prompt });
  const findings: Finding[] = [];
  const seenProviders = new Set<string>();
  const reported = new Set<string>();
  for (const entry of status.chain) {
    if (entry.policy) continue;
    if (entry.role === "alias-only") {
      // Not in the chain: only /model or --model would pick it, so a missing key is a note.
      const keyless = entry.problems.find((problem) => problem.id === "hosted-no-key");
      if (keyless) findings.push({ id: "alias-no-key", severity: "info", group: "models", title: `${entry.named ?? entry.ref} (alias ${entry.alias}): ${keyless.title}`, seen: seenOf(entry), fix: keyless.fix });
      continue;
    }
    const id = entry.ref.slice(0, entry.ref.indexOf("/"));
    // Named as the config writes its key (`"${P}" (acme)` for one written with a variable).
    const spec = resolved.catalog.models.get(entry.ref as ModelRef);
    const provider = spec ? providerName(spec) : id;
    if (entry.reachable !== undefined && !seenProviders.has(id)) {
      seenProviders.add(id);
      if (entry.reachable) findings.push(ok("models", "unreachable", `${provider} answered GET ${listingPath(entry)} in ${entry.latencyMs} ms`));
    }
    for (const problem of entry.problems) {
      // Models the server has downloaded but not loaded, none of them in the chain: detail for `models status`, noise here.
      if (QUIET_HERE.has(problem.id)) continue;
      // A server's own problem is said once, for the provider, not once per model.
      const serverWide = SERVER_WIDE.has(problem.id);
      if (serverWide && reported.has(`${problem.id} ${entry.baseUrl}`)) continue;
      reported.add(`${problem.id} ${entry.baseUrl}`);
      const fallback = entry.role.startsWith("fallback");
      findings.push({
        id: problem.id === "hosted-no-key" && fallback ? "fallback-no-key" : problem.id,
        severity: problem.severity,
        group: "models",
        title: `${serverWide ? provider : (entry.named ?? entry.ref)}: ${problem.title}`,
        seen: seenOf(entry),
        fix: problem.fix,
      });
    }
    if (entry.problems.every((problem) => QUIET_HERE.has(problem.id))) findings.push(ok("models", "model", `${entry.named ?? entry.ref}: ${seenOf(entry)}`));
  }
  return findings;
}

const SERVER_WIDE: ReadonlySet<string> = new Set(["unreachable", "server-hung", "listing-failed", "no-model-listing", "no-responses-endpoint", "hearth-gateway", "other-server"]);
const QUIET_HERE: ReadonlySet<string> = new Set(["idle-models"]);

const listingPath = (entry: ChainStatus): string => (entry.api === "ollama" ? "/api/tags" : `${entry.baseUrl.replace(/\/+$/, "")}/models`);

function seenOf(entry: ChainStatus): string {
  const facts = [`${entry.baseUrl} (${entry.api})`];
  if (entry.reachable !== undefined) facts.push(reachability(entry));
  if (entry.servedAs !== undefined) facts.push(`answered by the one model the server runs, ${entry.servedAs}`);
  else if (entry.listed === true) facts.push("listed");
  if (entry.listed === false) facts.push("not listed");
  if (entry.loaded === true) facts.push("loaded");
  if (entry.loaded === false) facts.push("not loaded");
  const sharing = slotsSharing(entry);
  if (entry.servedContext) facts.push(`served context ${entry.servedContext}${sharing ? ` (${sharing})` : ""}`);
  facts.push(`contextWindow ${entry.contextWindow}`);
  if (!entry.local) facts.push(entry.keyPresent ? `key from ${entry.keySource}` : "no key");
  return facts.join(", ");
}

/**
 * A fallback is present, and at least one is usable (local, or hosted with its key and allowed by the
 * privacy policy). Where it is not, the fix suggests only local models that would answer when the
 * primary does not: on another server than the primary's, and one that answers for the model now
 * (`answers`: a quick look at its listing) — never a model on the primary's own server, down whenever
 * it is, nor one whose server is not there or does not have it.
 */
async function chainFindings(resolved: ResolvedModels, answers: (model: ModelSpec) => Promise<boolean>): Promise<Finding[]> {
  if (resolved.chain.length === 0) return [];
  const localOnly = resolved.privacy === "local-only";
  // Under privacy "local-only" a hosted fallback is never asked: it is no fallback.
  const fallbacks = resolved.chain.filter((entry) => entry.role !== "primary" && (!localOnly || entry.model.local));
  const usable = fallbacks.filter((entry) => entry.model.local || entry.model.apiKey !== undefined);
  if (fallbacks.length > 0 && (localOnly || usable.length > 0)) return [ok("chain", "no-fallback", `${fallbacks.length} fallback${fallbacks.length === 1 ? "" : "s"}, ${usable.length} usable`)];
  const local = await localCandidates(resolved, answers);
  if (fallbacks.length === 0) {
    const hostedSkipped = localOnly && resolved.chain.some((entry) => entry.role !== "primary" && !entry.model.local);
    return [
      {
        id: "no-fallback",
        severity: "warn",
        group: "chain",
        title: "no fallback: when the primary is down, turns fail",
        seen: `the chain is only ${resolved.chain[0] ? refName(resolved.chain[0].model) : ""}${hostedSkipped ? ' (its hosted fallbacks are never asked: privacy is "local-only")' : ""}`,
        fix: noFallbackFix(local, localOnly),
      },
    ];
  }
  const keys = "set the key of one fallback's provider (ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENROUTER_API_KEY) in ~/.hearth/gateway.env (the gateway's service and every command read it) or in the environment";
  return [
    {
      id: "fallback-unusable",
      severity: "warn",
      group: "chain",
      title: "no fallback is usable: every hosted fallback lacks its API key",
      seen: fallbacks.map((entry) => refName(entry.model)).join(", "),
      fix: local.names.length > 0 ? `add a local model the config has to agents.defaults.model.fallbacks (${local.names.join(", ")}: no key needed), or ${keys}` : `${keys}; ${NO_LOCAL_CANDIDATE}${local.skipped}`,
    },
  ];
}

/** Said where no local model of the config would answer while the primary does not. */
const NO_LOCAL_CANDIDATE = "no local model the config has would answer while the primary does not (a local fallback needs a model server of its own: `hearth models discover --write --url ADDRESS` adds one)";

/**
 * The local models the config lists that could be fallbacks, by ref, up to three: not in the chain,
 * on another server (host and port) than the primary's, and answering for the model now. `skipped`:
 * what was left out and why, for the words when none is left.
 */
async function localCandidates(resolved: ResolvedModels, answers: (model: ModelSpec) => Promise<boolean>): Promise<{ names: string[]; skipped: string }> {
  const inChain = new Set(resolved.chain.map((entry) => entry.model.ref));
  const primaryServer = serverOf(resolved.chain[0]?.model.baseUrl);
  const candidates = [...resolved.catalog.models.values()].filter((model) => model.local && model.source === "config" && !inChain.has(model.ref));
  const elsewhere = candidates.filter((model) => serverOf(model.baseUrl) !== primaryServer);
  const answering = (await Promise.all(elsewhere.map(async (model) => ((await answers(model)) ? model : undefined)))).filter((model): model is ModelSpec => model !== undefined);
  const onPrimary = candidates.length - elsewhere.length;
  const silent = elsewhere.length - answering.length;
  const skipped = [onPrimary > 0 ? `${onPrimary} on the primary's own server` : "", silent > 0 ? `${silent} whose server does not answer for it now` : ""].filter(Boolean).join(", ");
  return { names: answering.slice(0, 3).map((model) => refName(model)), skipped: skipped ? ` (left out: ${skipped})` : "" };
}

/** A server by host and port: `http://127.0.0.1:1234/v1` and `http://127.0.0.1:1234` are one. */
function serverOf(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined) return undefined;
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** How to give a chain without fallbacks one: a local model the config has that would answer first (no key), then a hosted one and its key. */
function noFallbackFix(local: { names: string[]; skipped: string }, localOnly: boolean): string {
  const named = local.names.length > 0 ? ` (the config has ${local.names.join(", ")})` : "";
  if (localOnly) return `add a second local model to agents.defaults.model.fallbacks${named || ` (a model on another server on this machine or network: ${NO_LOCAL_CANDIDATE}${local.skipped})`}; privacy "local-only" keeps hosted models out`;
  const hosted = 'agents.defaults.model.fallbacks: ["anthropic/claude-sonnet-4-5"] and set ANTHROPIC_API_KEY (models.mode "merge" keeps the built-in providers)';
  return local.names.length > 0 ? `add a local model the config has to agents.defaults.model.fallbacks (${local.names.join(", ")}: no key needed), or add ${hosted}` : `add ${hosted}`;
}

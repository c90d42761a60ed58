// The gateway's GatewayPort, wired from what main has today (Agent.turn, Router, SessionStore). It stands
// in for the runtime engineer's createRuntime: the gateway command imports only `createGatewayRuntime`
// and the `GatewayRuntime` shape from here, so swapping it is one import.
import type { AgentEvent, TurnResult } from "../agent/agent-events.js";
import { Agent } from "../agent/agent.js";
import { agentSpec } from "../agent/agent-spec.js";
import { isCommand, isRetry, runCommand } from "../agent/commands.js";
import { KnownWindows } from "../agent/context-windows.js";
import { createBuiltinTools } from "../agent/tools/registry.js";
import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { modelSecrets } from "../ai/model-secrets.js";
import { firstRunConfigValue } from "../config/first-run-config.js";
import { loadConfig, parseConfigValue, type LoadedConfig } from "../config/load.js";
import { stateDir } from "../config/paths.js";
import { secretEnvValues } from "../config/redact.js";
import type { GatewayEvent, GatewayPort, HandleResult, InboundMessage, ProviderHealth, SessionsView, TranscriptItem } from "../gateway/port.js";
import { HealthMonitor } from "../models/health-monitor.js";
import { resolveModels, type ResolvedModels } from "../models/resolve.js";
import { setupProblems } from "../ops/setup-problems.js";
import type { SessionEntry } from "../sessions/entries.js";
import { SessionStore } from "../sessions/session-store.js";
import { isHearthError } from "../shared/errors.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { createRouting } from "./wire-router.js";

export interface GatewayRuntimeOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--config`. */
  configFlag?: string | undefined;
  secrets?: SecretRedactor | undefined;
  onWarning: (message: string) => void;
  /** How often the setup problems are checked again (a model server that appears is noticed). */
  setupIntervalMs?: number | undefined;
}

export interface GatewayRuntime {
  port: GatewayPort;
  /** The config serving now. */
  loaded(): LoadedConfig;
  /** Reads the config file again; on an error the old config keeps serving and the error is thrown. */
  reload(): Promise<void>;
  /** Waits for the turns in flight (and queued), then stops the monitor and the HTTP client. */
  close(): Promise<void>;
  /** Cancels every turn in flight or queued (each is saved as cancelled): for a stop that cannot wait. */
  abortTurns(): void;
}

interface Generation {
  loaded: LoadedConfig;
  resolved: ResolvedModels;
  agents: Map<string, Agent>;
  monitor: HealthMonitor;
}

/** Config (or the first-run default) → models → router, store, agents → a GatewayPort for the channels. */
export async function createGatewayRuntime(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const state = stateDir({ env: options.env, cwd: options.cwd });
  const routing = createRouting({ stateDir: state, onWarning: options.onWarning });
  const store = new SessionStore(state, { onWarning: options.onWarning, secrets: options.secrets });
  const listeners = new Set<(event: GatewayEvent) => void>();
  const queues = new Map<string, Promise<unknown>>();
  const running = new Set<AbortController>();
  let stopping = false;
  let setup: readonly string[] = [];
  let reachable: ReadonlyMap<string, boolean> = new Map();
  const emit = (event: GatewayEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const build = (): Generation => {
    const loaded = loadGatewayConfig(options);
    const resolved = resolveModels(loaded.config, { env: options.env, catalog: hostedCatalog, source: loaded.source });
    options.secrets?.add(secretEnvValues(loaded.envUsed, options.env));
    for (const provider of resolved.catalog.providers.values()) options.secrets?.add(modelSecrets(provider));
    for (const warning of [...loaded.warnings, ...resolved.warnings]) options.onWarning(warning.message);
    const monitor = new HealthMonitor({ http: routing.http, clock: routing.clock, cooldowns: routing.cooldowns, replicas: routing.replicas, adapters: routing.adapters, providers: [...resolved.catalog.providers.values()] });
    return { loaded, resolved, agents: new Map(), monitor };
  };
  let current = build();
  current.monitor.start();

  const agentFor = (id: string): Agent => {
    const existing = current.agents.get(id);
    if (existing) return existing;
    const spec = agentSpec(current.loaded.config, current.resolved, id);
    const tools = createBuiltinTools({ exec: { hiddenFiles: [current.loaded.location.file] } });
    const agent = new Agent(spec, { router: routing.router, store, tools, catalog: current.resolved.catalog, stateDir: state, windows: new KnownWindows(routing.loadState) });
    current.agents.set(id, agent);
    return agent;
  };

  const checkSetup = async (): Promise<void> => {
    const { loaded, resolved } = current;
    const check = await setupProblems({ http: routing.http, resolved, env: options.env, configFile: loaded.location.file, configExists: loaded.source !== undefined });
    reachable = check.reachable;
    const problems = check.problems;
    if (problems.join("\n") !== setup.join("\n")) {
      setup = problems;
      emit({ type: "setup", problems });
    }
  };
  // Provider health as last published: a change (a cooldown starting or ending, a server found) goes to every listener.
  let published = new Map<string, string>();
  const publishHealth = (): void => {
    const now = new Map<string, string>();
    for (const health of port.health()) {
      const key = JSON.stringify(health);
      now.set(health.provider, key);
      if (published.get(health.provider) !== key) emit({ type: "provider-health", health });
    }
    published = now;
  };
  await checkSetup();
  const setupTimer = setInterval(() => void checkSetup().then(publishHealth), options.setupIntervalMs ?? 10_000);
  setupTimer.unref();
  const healthTimer = setInterval(publishHealth, 2_000);
  healthTimer.unref();

  const command = (session: string, text: string): HandleResult => {
    emit({ type: "command-result", session, text });
    return { kind: "command", text };
  };

  const handleNow = async (inbound: InboundMessage): Promise<HandleResult> => {
    const { session } = inbound;
    let agent: Agent;
    try {
      agent = agentFor(inbound.agent ?? "main");
    } catch (error) {
      if (isHearthError(error)) return command(session, error.message);
      throw error;
    }
    const catalog = current.resolved.catalog;
    if (!inbound.retry && isCommand(inbound.text)) return command(session, await runCommand(inbound.text, session, { agent, store, catalog }));
    const retrying = Boolean(inbound.retry) || isRetry(inbound.text);
    const retry = retrying ? agent.retryable(session) : undefined;
    if (retrying && !retry) return command(session, `nothing to retry: the last message in session ${session} was answered (or there is none)`);
    let model;
    if (inbound.model) {
      const found = catalog.lookup(inbound.model);
      if (!found.ok) return command(session, `model: ${found.reason}`);
      model = found.model;
    }
    const text = retry ? retry.text : inbound.text;
    emit({ type: "turn-start", session, channel: inbound.channel, text });
    const onEvent = (event: AgentEvent): void => {
      inbound.onEvent?.(event);
      emit({ type: "turn-event", session, event });
    };
    // One controller per turn, aborted by the channel's signal or by a stop that cannot wait.
    const controller = new AbortController();
    const forward = (): void => controller.abort(inbound.signal?.reason);
    if (inbound.signal?.aborted) forward();
    // A message still queued when the gateway stops at once is saved as a cancelled turn, for /retry.
    if (stopping) controller.abort(new Error("the gateway is stopping"));
    inbound.signal?.addEventListener("abort", forward, { once: true });
    running.add(controller);
    let result: TurnResult;
    try {
      result = await agent.turn(session, text, { onEvent, signal: controller.signal, model, canRestart: inbound.canRestart, quoted: inbound.quoted, retry });
    } catch (error) {
      // The session could not be locked, read or written: the turn ends, said in words, for every listener.
      if (!isHearthError(error)) throw error;
      result = { ok: false, error: [error.message, ...error.details].join("; "), session, attempts: [], cause: controller.signal.aborted ? "cancelled" : "transient", compaction: undefined };
    } finally {
      running.delete(controller);
      inbound.signal?.removeEventListener("abort", forward);
    }
    emit({ type: "turn-end", session, result });
    publishHealth();
    return { kind: "turn", result };
  };

  const port: GatewayPort = {
    handle(inbound) {
      // One session's messages run one at a time, in arrival order; other sessions run beside them.
      const previous = queues.get(inbound.session) ?? Promise.resolve();
      const next = previous.then(() => handleNow(inbound));
      const tail = next.catch(() => undefined);
      queues.set(inbound.session, tail);
      void tail.then(() => {
        if (queues.get(inbound.session) === tail) queues.delete(inbound.session);
      });
      return next;
    },
    proxy(request) {
      const found = current.resolved.catalog.lookup(request.model);
      const main = agentFor("main");
      const chain = found.ok ? main.chainFor([], found.model) : [];
      const options = request.signal ? { ...request.options, signal: request.signal } : request.options;
      return routing.router.stream({ chain, context: request.context, options, sessionKey: request.stickyKey, privacy: current.resolved.privacy });
    },
    catalogue() {
      const { loaded, resolved } = current;
      const ids = ["main", ...loaded.config.agents.list.map((agent) => agent.id)];
      const agents = ids.map((id) => {
        const spec = agentSpec(loaded.config, resolved, id);
        return { id, name: spec.name, primary: spec.chain[0]?.ref };
      });
      const refs = new Set([...resolved.agentChains.values()].flat().map((link) => link.model.ref));
      for (const ref of resolved.catalog.aliases.keys()) refs.add(ref);
      const models = [...refs].flatMap((ref) => {
        const spec = resolved.catalog.models.get(ref);
        return spec ? [{ ref, alias: resolved.catalog.aliasOf(ref), local: spec.local, spec }] : [];
      });
      return { agents, models };
    },
    health() {
      return providerHealth({ resolved: current.resolved, cooling: routing.cooldowns.coolingProviders(), until: (ref) => routing.cooldowns.until(ref), reachable });
    },
    sessions(): SessionsView {
      return {
        list: () => Promise.resolve([...store.list().sessions].sort((a, b) => b.updated.localeCompare(a.updated)).map((summary) => ({ session: summary.key, updated: summary.updated, turns: summary.turns, lastText: summary.lastText }))),
        transcript: (session) => Promise.resolve(transcriptOf(store.read(session).entries)),
        contextUse: (session, agentId) => {
          const agent = agentFor(agentId ?? "main");
          const entries = store.read(session).entries;
          const head = agent.chainFor(entries)[0];
          if (!head) return Promise.resolve({ model: undefined, tokens: 0, window: 0 });
          return agent.budget(head).then((budget) => ({ model: head.ref, tokens: agent.prompt(entries).tokens, window: budget.window }));
        },
      };
    },
    setupProblems: () => setup,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    port,
    loaded: () => current.loaded,
    async reload() {
      const next = build();
      current.monitor.stop();
      current = next;
      current.monitor.start();
      await checkSetup();
      publishHealth();
    },
    abortTurns() {
      stopping = true;
      for (const controller of running) controller.abort(new Error("the gateway is stopping"));
    },
    async close() {
      clearInterval(setupTimer);
      clearInterval(healthTimer);
      current.monitor.stop();
      await Promise.allSettled([...queues.values()]);
      routing.http.destroy();
    },
  };
}

/** The config file, or with no file at the default location the first-run default (LM Studio first). */
function loadGatewayConfig(options: GatewayRuntimeOptions): LoadedConfig {
  const loaded = loadConfig({ flag: options.configFlag, env: options.env, cwd: options.cwd });
  if (loaded.source !== undefined) return loaded;
  const { config, warnings, envUsed } = parseConfigValue(firstRunConfigValue(options.env), undefined, options.env);
  return { ...loaded, config, warnings, envUsed };
}

function providerHealth(seen: { resolved: ResolvedModels; cooling: readonly string[]; until: (ref: string) => number | undefined; reachable: ReadonlyMap<string, boolean> }): ProviderHealth[] {
  const { resolved, cooling, until, reachable } = seen;
  const used = new Set([...resolved.agentChains.values()].flat().map((link) => link.model.provider));
  return [...resolved.catalog.providers.values()]
    .filter((provider) => used.has(provider.id))
    .map((provider) => {
      if (cooling.includes(provider.id)) {
        const ends = provider.models.map((model) => until(model.ref)).filter((at): at is number => at !== undefined);
        return { provider: provider.id, local: provider.local, state: "cooling" as const, coolingUntil: ends.length > 0 ? new Date(Math.max(...ends)).toISOString() : undefined, firstTokenMs: [], reason: "recent failures: resting before the next try" };
      }
      if (!provider.local && !provider.apiKey) return { provider: provider.id, local: false, state: "down" as const, firstTokenMs: [], reason: `no API key (${provider.apiKeyEnv ?? "apiKey"})` };
      const answered = provider.local ? reachable.get(provider.baseUrl) : undefined;
      const state = answered === undefined ? ("unknown" as const) : answered ? ("up" as const) : ("down" as const);
      return { provider: provider.id, local: provider.local, state, firstTokenMs: [], reason: answered === false ? `no answer from ${provider.baseUrl}` : undefined };
    });
}

/** A session file as the web chat shows it: messages, answers with their reasoning, failures as notices. */
function transcriptOf(entries: readonly SessionEntry[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  let lastUser: TranscriptItem | undefined;
  for (const entry of entries) {
    if (entry.type === "user") {
      lastUser = { role: "user", text: entry.text, at: entry.at };
      items.push(lastUser);
    } else if (entry.type === "assistant") {
      const text = entry.message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
      const reasoning = entry.message.content.map((part) => (part.type === "reasoning" ? part.text : "")).join("");
      if (text.trim() !== "") items.push({ role: "assistant", text, reasoning: reasoning || undefined, model: entry.message.model, at: entry.at });
    } else if (entry.type === "turn-failed") {
      if (lastUser) lastUser.unanswered = true;
      items.push({ role: "notice", text: entry.error, at: entry.at });
    } else if (entry.type === "reset") {
      items.push({ role: "notice", text: "Started a fresh conversation.", at: entry.at });
    }
  }
  return items;
}

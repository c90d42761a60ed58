// What `hearth gateway` runs on: the one composition root (createRuntime, with the first-run default
// when there is no config file) plus what only a long-running process does — the health monitor, a
// periodic setup check (a model server that appears later is noticed without a restart), provider
// health published when it changes, and cancelling the turns still running at shutdown.
import type { Api } from "../ai/api.js";
import type { LoadedConfig } from "../config/load.js";
import type { GatewayPort, HandleResult, InboundMessage } from "../gateway/port.js";
import { HealthMonitor } from "../models/health-monitor.js";
import { HearthError } from "../shared/errors.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { StopSwitch } from "../gateway/stop-switch.js";
import type { StopCounts } from "../gateway/stop-counts.js";
import type { TurnLog } from "../gateway/turn-log.js";
import { createRuntime } from "./runtime.js";

export interface GatewayRuntimeOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--config`. */
  configFlag?: string | undefined;
  /** How the user runs hearth, for the fixes that name a command. */
  command?: string | undefined;
  secrets?: SecretRedactor | undefined;
  onWarning: (message: string) => void;
  /** How often the setup is checked again (a model server that appears is noticed). */
  setupIntervalMs?: number | undefined;
  /** Where the first-run default looks for LM Studio (tests). */
  defaultLocalBaseUrl?: string | undefined;
  /** The gateway's stop, shared with the HTTP routes (proxied answers are tracked there); default: one of its own. */
  stop?: StopSwitch | undefined;
  /** Where each turn's line goes, whatever its channel (the gateway's log). */
  turnLog?: TurnLog | undefined;
}

export interface GatewayRuntime {
  port: GatewayPort;
  /**
   * The start's first setup check: each local server of the main chain asked whether it answers (a server
   * that sends nothing is given up after 0.5–1 s; all of them after 2 s). Begun by the first call (the gateway
   * calls it once it listens, so /health never waits for a model server); later calls give the same check.
   */
  firstSetupCheck(): Promise<void>;
  /** The config serving now. */
  loaded(): LoadedConfig;
  /** Reads the config file again; on an error the old config keeps serving and the error is thrown. */
  reload(): Promise<void>;
  /** Waits for queued turns, then closes the store and connections. */
  close(): Promise<void>;
  /** The first signal: messages still waiting for their turn are not started (the web chat's and WhatsApp's stay in the journal for the next start). */
  stopAccepting(): void;
  /** Cancels every turn (and proxied answer) still running, with GatewayStopping (their messages are saved and marked cancelled); returns how many of each. */
  abortTurns(): StopCounts;
  /** How many waiting messages the journal keeps for the next start (asked once the turns are over). */
  keptForNextStart(): number;
  /** Lets go of caches the next turns rebuild (the adapters' serialised histories, the sessions the store holds in memory): for a process gone quiet. */
  releaseMemory(): void;
  /**
   * Makes now what the first request would otherwise make on first use, and wait for: the catalogue
   * every request names its model by, the tools' JSON schemas, and the adapters of the protocols the
   * agents' chains speak (each a module loaded on its first call). An adapter that cannot load is left
   * to fail the turn that calls it, as it would have. Once listening, and after each reload.
   */
  prepare(): Promise<Prepared>;
}

/** What `prepare` made: the catalogue's models, the tools' schemas, the adapters loaded (by protocol). */
export interface Prepared {
  models: number;
  tools: number;
  adapters: Api[];
}

export async function createGatewayRuntime(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const runtime = await createRuntime({ env: options.env, cwd: options.cwd, config: options.configFlag, command: options.command, secrets: options.secrets, onWarning: options.onWarning, firstRunDefault: true, recoverMessages: true, sharesCooldowns: "every", providerOutcomes: "read", defaultLocalBaseUrl: options.defaultLocalBaseUrl, turnLog: options.turnLog });
  for (const warning of runtime.config.warnings) options.onWarning(warning);
  const { gateway, routing } = runtime;
  const providers = () => [...runtime.catalog.providers.values()];
  const monitor = new HealthMonitor({ http: routing.http, clock: routing.clock, cooldowns: routing.cooldowns, replicas: routing.replicas, adapters: routing.adapters, providers: providers(), onWarning: options.onWarning });
  monitor.start();

  // Provider health as last published: a change (a cooldown starting or ending, a server found) goes to every
  // listener, and so does a provider no longer in use (a cooldown over for one in no chain that never answered,
  // a config reload that took it out of every chain): its card leaves the page.
  let published = new Map<string, string>();
  const publishHealth = (): void => {
    const now = new Map<string, string>();
    for (const health of gateway.health()) {
      const key = JSON.stringify(health);
      now.set(health.provider, key);
      if (published.get(health.provider) !== key) gateway.announceHealth(health.provider);
    }
    for (const provider of published.keys()) if (!now.has(provider)) gateway.announceHealth(provider);
    published = now;
  };
  // With no config file, a model server that appears (or changes what it lists) gives the built-in default its first listed model.
  const refreshDefault = async (): Promise<void> => {
    if (await runtime.refreshFirstRunDefault().catch(() => false)) monitor.setProviders(providers());
  };
  const askServers = (): Promise<void> => gateway.checkSetup(AbortSignal.timeout(2_000)).then(publishHealth, () => undefined);
  const checkSetup = (): Promise<void> => refreshDefault().then(askServers);
  // Before the gateway listens: with no config file, the model LM Studio lists first is the default any request gets.
  await refreshDefault();
  // Begun once the gateway listens: a round trip to each local server (9–15 ms on a loaded machine; 0.5–1 s for one that sends nothing) held /health back.
  let setupChecked: Promise<void> | undefined;
  const firstSetupCheck = (): Promise<void> => (setupChecked ??= askServers());
  const setupTimer = setInterval(() => void checkSetup(), options.setupIntervalMs ?? 10_000);
  setupTimer.unref();
  // What the commands beside the gateway found (a cooldown they started, their answers and failures: provider-outcomes.json) is read here too.
  const healthTimer = setInterval(() => {
    routing.cooldowns.takeShared();
    publishHealth();
  }, 2_000);
  healthTimer.unref();

  const prepare = async (): Promise<Prepared> => {
    const models = gateway.catalogue().models.length;
    const tools = runtime.tools.definitions(new Set(runtime.tools.names())).length;
    const apis = [...new Set([...runtime.config.agents.values()].flatMap((agent) => agent.spec.chain.map((model) => model.api)))];
    const loaded = await Promise.all(apis.map((api) => routing.adapters.get(api).then(() => [api], () => [])));
    return { models, tools, adapters: loaded.flat() };
  };

  const stop = options.stop ?? new StopSwitch();
  const handle = async (inbound: InboundMessage): Promise<HandleResult> => {
    const controller = new AbortController();
    // Under way unless it waits behind another turn (`turn-queued`), until its turn's first event.
    let underWay = true;
    const onEvent: InboundMessage["onEvent"] = (event) => {
      underWay = event.type !== "turn-queued";
      inbound.onEvent?.(event);
    };
    const done = stop.track(controller, { kind: "turn", underWay: () => underWay });
    const signal = inbound.signal ? AbortSignal.any([inbound.signal, controller.signal]) : controller.signal;
    try {
      return await gateway.handle({ ...inbound, signal, onEvent });
    } finally {
      done();
    }
  };
  const port: GatewayPort = {
    handle,
    proxy: (request) => gateway.proxy(request),
    catalogue: () => gateway.catalogue(),
    served: (ref) => gateway.served(ref),
    lookLoaded: (refs) => gateway.lookLoaded(refs),
    health: () => gateway.health(),
    sessions: () => gateway.sessions(),
    setupProblems: () => gateway.setupProblems(),
    subscribe: (listener) => gateway.subscribe(listener),
  };

  return {
    port,
    firstSetupCheck,
    loaded: () => runtime.config.loaded,
    async reload() {
      const result = await runtime.reload();
      if (!result.ok) throw new HearthError("config", result.problems[0] ?? "the config could not be read", result.problems.slice(1));
      for (const warning of result.warnings) options.onWarning(warning);
      monitor.setProviders(providers());
      await checkSetup();
    },
    async close() {
      clearInterval(setupTimer);
      clearInterval(healthTimer);
      monitor.stop();
      await runtime.close();
    },
    stopAccepting() {
      stop.stop();
      gateway.stop();
    },
    abortTurns: () => stop.cutAll(),
    keptForNextStart: () => runtime.inbox.held(),
    releaseMemory: () => {
      routing.adapters.releaseMemory();
      runtime.store.releaseMemory?.();
    },
    prepare,
  };
}

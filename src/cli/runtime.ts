import { join } from "node:path";
import { Agent } from "../agent/agent.js";
import { agentSpec } from "../agent/agent-spec.js";
import { matchAgentId } from "../agent/agent-id.js";
import { createBuiltinTools, type ToolRegistry } from "../agent/tools/registry.js";
import { hostedCatalog } from "../ai/catalog/hosted-catalog.js";
import { HttpClient } from "../ai/http/http-client.js";
import { modelSecrets } from "../ai/model-secrets.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import { DEFAULT_LOCAL_MODEL, defaultLocalBaseUrl, HOSTED_KEY_NAMES } from "../config/default-config.js";
import { loadConfig, type LoadedConfig } from "../config/load.js";
import { configLocation, stateDir as stateDirOf } from "../config/paths.js";
import { readConfigFile } from "../config/read-config-file.js";
import { ProblemLocator } from "../config/problems.js";
import { secretEnvValues } from "../config/redact.js";
import { serviceEnvFile } from "../config/service-env.js";
import { FirstTokenRing } from "../gateway/first-token-ring.js";
import { OutcomesElsewhere } from "../gateway/outcomes-elsewhere.js";
import { providerOutcomesFile } from "../models/provider-outcomes-file.js";
import { ProviderOutcomeRecorder } from "../models/provider-outcomes-record.js";
import type { RouterEvent } from "../models/router-events.js";
import type { JournalFs } from "../gateway/journal-file.js";
import { MessageInbox } from "../gateway/message-inbox.js";
import { StateWrites } from "../gateway/state-writes.js";
import type { TurnProcess } from "../gateway/cut-turn.js";
import { KEPT_RETRY_MS } from "../gateway/kept-messages.js";
import { ProxyLedger } from "../gateway/proxy-ledger.js";
import { Gateway, type GatewayState } from "../gateway/gateway.js";
import type { TurnLog } from "../gateway/turn-log.js";
import { withReferenceProblems } from "../models/reference-problems.js";
import { resolveModels, type ResolvedModels } from "../models/resolve.js";
import { quickReachability } from "../models/reachability.js";
import { JsonlSessionStore } from "../sessions/jsonl-session-store.js";
import type { SessionStore } from "../sessions/session-store.js";
import type { Clock } from "../shared/clock.js";
import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { configInUse, firstUsable, listedLocalModels } from "./first-run-default.js";
import { createRouting } from "./wire-router.js";

export interface RuntimeOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  home?: string | undefined;
  /** `--config FILE`. */
  config?: string | undefined;
  /** How the user runs hearth, for fixes that name a command. */
  command?: string | undefined;
  /** Told every secret of the config (keys, header values) so that output masks them. */
  secrets?: SecretRedactor | undefined;
  /**
   * No config file at the default location: run on the built-in default (LM Studio first, hosted
   * models with keys as fallbacks; `configInUse`) — the gateway and `agent`/`chat`. Otherwise the
   * empty config, whose messages point at `hearth init`.
   */
  firstRunDefault?: boolean | undefined;
  /** Problems found while running (skipped session lines, a lost lock, an unreadable cooldown file). */
  onWarning?: ((message: string) => void) | undefined;
  http?: HttpClient | undefined;
  clock?: Clock | undefined;
  /** Default: the JSONL store in the state dir. */
  store?: SessionStore | undefined;
  /**
   * Save, unanswered, the messages that processes now gone had taken in but not yet saved (the
   * gateway, at start; in the background, warning when there were some).
   */
  recoverMessages?: boolean | undefined;
  /** How much the messages waiting in this process's journal may hold together; default JOURNAL_HOLDS_BYTES (64 MB; tests set a small one). */
  journalHoldsBytes?: number | undefined;
  /** How the journals of gone processes are read; default the system's (tests pass one whose reads hang). */
  journalFs?: JournalFs | undefined;
  /** How long a start waits for those journals to be read before it listens all the same; default JOURNALS_READ_WAIT_MS (5 s). */
  journalsReadWaitMs?: number | undefined;
  /** Where the first-run default looks for LM Studio; default `defaultLocalBaseUrl(env)` (tests in-process point it at a server of their own). */
  defaultLocalBaseUrl?: string | undefined;
  /**
   * "every": every cooldown this process starts or ends reaches cooldowns.json (the gateway: `doctor` and
   * `models status` beside it then say what it does); default "costly": only hangs and rate limits.
   */
  sharesCooldowns?: "every" | "costly" | undefined;
  /**
   * provider-outcomes.json: "write" — this process's first-token latencies and failed calls go there (a command beside
   * the gateway: `hearth agent`, `hearth chat`); "read" — the gateway's provider panel says what those found; absent: neither.
   */
  providerOutcomes?: "write" | "read" | undefined;
  /** Where the gateway writes one line per turn (`hearth gateway`: its log); absent: none. */
  turnLog?: TurnLog | undefined;
  /** Which hearth answers the turns (the journal says it: a turn cut by its kill is said as cut by it); default the gateway. */
  turnProcess?: TurnProcess | undefined;
}

/** One reading of the config: what a reload replaces. */
export interface RuntimeConfig {
  loaded: LoadedConfig;
  resolved: ResolvedModels;
  agents: ReadonlyMap<string, Agent>;
  /** The config's warnings, formatted with their place in the file (for the caller to print). */
  warnings: readonly string[];
  /** No config file: the built-in default serves. */
  usingDefault: boolean;
  /** The built-in default's local model, when it serves: the one LM Studio listed first, or DEFAULT_LOCAL_MODEL when it did not answer. */
  defaultLocalModel?: string | undefined;
  /** Where the built-in default looks for LM Studio (whether it is in use or not). */
  localBaseUrl: string;
}

export type ReloadResult = { ok: true; warnings: readonly string[] } | { ok: false; problems: readonly string[] };

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/**
 * The composition root every front end uses (the CLI commands and the gateway): config → models →
 * one HTTP client, one router with its cooldowns, replicas, load state and served windows, one
 * session store, one tool registry → the agents and the Gateway in front of them. Warnings are
 * returned, never printed. `reload()` reads the config again: new catalog, agents and providers;
 * the routing state (cooldowns, replicas, windows, latencies) and the store stay. A bad config
 * keeps the old one serving and returns its problems.
 */
export async function createRuntime(options: RuntimeOptions) {
  const where = { env: options.env, cwd: options.cwd, ...(options.home ? { home: options.home } : {}) };
  const stateDir = stateDirOf(where);
  const onWarning = options.onWarning ?? (() => undefined);
  const http = options.http ?? new HttpClient();
  const localBaseUrl = options.defaultLocalBaseUrl ?? defaultLocalBaseUrl(options.env);
  const routing = createRouting({ http, ...(options.clock ? { clock: options.clock } : {}), stateDir, onWarning, ...(options.sharesCooldowns ? { sharesCooldowns: options.sharesCooldowns } : {}) });
  // A write the state dir refuses (full, read-only, unwritable) is a setup problem until one to the same place succeeds: the gateway announces it.
  const stateWrites = new StateWrites({ onChange: () => gateway.refreshProblems(), clock: () => routing.clock.now() });
  const store = options.store ?? new JsonlSessionStore(stateDir, { onWarning, secrets: options.secrets, writes: stateWrites });
  const latencies = new FirstTokenRing(routing.clock, (provider) => gateway.announceHealth(provider));
  const outcomesFile = options.providerOutcomes ? providerOutcomesFile(stateDir, { onWarning, now: () => routing.clock.now() }) : undefined;
  const recorder = outcomesFile && options.providerOutcomes === "write" ? new ProviderOutcomeRecorder(outcomesFile, routing.clock) : undefined;
  const outcomesElsewhere = outcomesFile && options.providerOutcomes === "read" ? new OutcomesElsewhere(outcomesFile, routing.clock.now(), () => routing.clock.now()) : undefined;
  const observeRoute = (): ((event: RouterEvent) => void) => {
    const timed = latencies.route();
    const recorded = recorder?.route();
    return recorded
      ? (event) => {
          timed(event);
          recorded(event);
        }
      : timed;
  };
  // The exec tool never shows the config file nor gateway.env (they hold keys), wherever the state dir is.
  const envFile = serviceEnvFile(options.env);
  const tools: ToolRegistry = createBuiltinTools({ secrets: options.secrets, exec: { hiddenFiles: [configLocation(options.config, where).file, ...(envFile ? [envFile] : [])] } });

  // `previous`: the config serving now. Its file gone (deleted, moved, mid-way through an editor's
  // delete-and-create) is an error, never a switch to the built-in default: the last good config serves on.
  const read = async (previous?: RuntimeConfig): Promise<RuntimeConfig> => {
    let absent = false;
    const readText = (file: string): string | undefined => {
      const text = readConfigFile(file);
      absent = text === undefined;
      return text;
    };
    const gone = (): HearthError | undefined => (absent && previous?.loaded.source ? configFileGone(previous.loaded.location.file, options.command) : undefined);
    let loaded: LoadedConfig;
    try {
      loaded = loadConfig({ flag: options.config, ...where, readText, ...(options.command ? { command: options.command } : {}) });
    } catch (error) {
      throw gone() ?? withReferenceProblems(error, { env: options.env, catalog: hostedCatalog });
    }
    const missing = gone();
    if (missing) throw missing;
    let usingDefault = false;
    let defaultLocalModel: string | undefined;
    if (options.firstRunDefault === true) ({ loaded, usingDefault, defaultLocalModel } = await configInUse(loaded, { env: options.env, http, localBaseUrl }));
    const resolved = resolveModels(loaded.config, { env: options.env, catalog: hostedCatalog, source: loaded.source });
    // From here on, the config's keys, header values and URL credentials are masked in all output.
    options.secrets?.add(secretEnvValues(loaded.envUsed));
    for (const provider of resolved.catalog.providers.values()) options.secrets?.add(modelSecrets(provider));
    const ids = ["main", ...loaded.config.agents.list.map((agent) => agent.id).filter((id) => id !== "main")];
    const agents = new Map(
      ids.map((id) => [
        id,
        new Agent(agentSpec(loaded.config, resolved, id), { router: routing.router, store, tools, catalog: resolved.catalog, stateDir, windows: routing.windows, observeRoute, secrets: options.secrets, onFault: routing.onFault, ...(options.command ? { initCommand: `${options.command} init` } : {}), ...(loaded.source === undefined && !usingDefault ? { missingConfigFile: loaded.location.file } : {}) }),
      ]),
    );
    const locator = new ProblemLocator(loaded.source);
    const warnings = [...loaded.warnings, ...resolved.warnings].map((warning) => locator.format(warning));
    // A server that cannot be reached cools every model served there, as this config has them.
    // A refused key cools the models the config names that share it (not its provider's whole built-in catalog).
    routing.cooldowns.knowServers([...resolved.catalog.models.values()].map((model) => ({ ...model, configured: resolved.catalog.names(model.ref) })));
    return { loaded, resolved, agents, warnings, usingDefault, defaultLocalModel, localBaseUrl };
  };

  let current = await read();
  // The last edit's problems while it could not be loaded: a setup problem until an edit loads.
  let reloadFailure: readonly string[] | undefined;
  const state = (): GatewayState => ({ catalog: current.resolved.catalog, agents: current.agents, missingConfigFile: current.usingDefault ? current.loaded.location.file : undefined, keyNames: HOSTED_KEY_NAMES, reloadFailure, ...(options.command ? { initCommand: `${options.command} init` } : {}) });
  const inbox = new MessageInbox({ stateDir, onWarning, secrets: options.secrets, process: options.turnProcess, holdsBytes: options.journalHoldsBytes, journalFs: options.journalFs, writes: stateWrites });
  const stopRecovering = options.recoverMessages ? recoverInBackground({ inbox, store, stateDir, onWarning }) : undefined;
  // The journals read (a few small files) before any channel listens: a message to a session they name waits for its recovery.
  if (options.recoverMessages) await journalsRead(inbox, { stateDir, onWarning, waitMs: options.journalsReadWaitMs ?? JOURNALS_READ_WAIT_MS });
  const proxyLedger = new ProxyLedger({ stateDir, onWarning, redact: options.secrets ? (text) => options.secrets?.redact(text) ?? text : undefined });
  const gateway = new Gateway({ store, router: routing.router, cooldowns: routing.cooldowns, latencies, outcomesElsewhere, reachability: quickReachability(http), state, secrets: options.secrets, inbox, proxyLedger, windows: routing.windows, loadState: routing.loadState, ollamaLoadState: routing.ollamaLoadState, turnLog: options.turnLog, stateWrites });

  return {
    stateDir,
    routing,
    store,
    gateway,
    /** The journal of messages taken in and turns under way (what a stop leaves in it, the next start saves). */
    inbox,
    tools,
    get config(): RuntimeConfig {
      return current;
    },
    get catalog() {
      return current.resolved.catalog;
    },
    /** The agent with this id ("main" by default); a usage error naming the agents otherwise. */
    agent(id = "main"): Agent {
      const agent = current.agents.get(matchAgentId(id, [...current.agents.keys()]) ?? id);
      if (agent) return agent;
      // agentSpec says it with the known ids and a did-you-mean.
      agentSpec(current.loaded.config, current.resolved, id);
      throw new HearthError("usage", `no agent "${id}"`);
    },
    async reload(): Promise<ReloadResult> {
      try {
        current = await read(current);
      } catch (error) {
        if (!(error instanceof HearthError)) throw error;
        const problems = [error.message, ...error.details];
        reloadFailure = options.secrets ? problems.map((line) => options.secrets?.redact(line) ?? line) : problems;
        gateway.refreshProblems();
        return { ok: false, problems };
      }
      reloadFailure = undefined;
      gateway.refreshProblems();
      gateway.configReloaded();
      return { ok: true, warnings: current.warnings };
    },
    /**
     * While the built-in default serves: asks LM Studio what it has now, and reads the default again
     * when the model it asks for is not among them (a server that appeared after the start, or whose
     * models changed) — a model LM Studio serves takes its place without a restart. True when it did.
     */
    async refreshFirstRunDefault(): Promise<boolean> {
      if (!current.usingDefault) return false;
      const listed = await listedLocalModels(http, localBaseUrl);
      if (!listed || firstUsable(listed) === undefined || listed.includes(current.defaultLocalModel ?? DEFAULT_LOCAL_MODEL)) return false;
      const result = await this.reload();
      return result.ok;
    },
    async close(): Promise<void> {
      stopRecovering?.();
      await gateway.idle();
      proxyLedger.flush();
      await store.close();
      http.destroy();
    },
  };
}

function configFileGone(file: string, command: string | undefined): HearthError {
  return new HearthError("config", `${escapeControlCharacters(file)}: the file is gone (deleted or moved)`, [
    `fix: put it back, or write it again (\`${command ?? "hearth"} init\` writes a starter config); it is loaded as soon as it is there`,
  ]);
}

/** How long a start waits for the message journals to be read before it listens all the same. */
const JOURNALS_READ_WAIT_MS = 5_000;

/** Waits for the journals of stopped processes to be read, up to `waitMs` (JOURNALS_READ_WAIT_MS unless a test says): a read that hangs (a slow or hung disk) never keeps the gateway from listening, and is said. */
async function journalsRead(inbox: MessageInbox, options: { stateDir: string; onWarning: (message: string) => void; waitMs: number }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), options.waitMs)));
  const outcome = await Promise.race([inbox.listed().then(() => "read" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    options.onWarning(`the message journals in ${join(options.stateDir, "inbox")} are still being read after ${options.waitMs / 1000} s (a slow or hung disk?): the gateway listens meanwhile, and a message to a conversation they name may be answered before what they kept for it is saved`);
  }
}

/**
 * Messages processes that are gone took in but never saved (a crash while they waited their turn):
 * saved now, unanswered; turns they were answering when they died: marked cut off by the stop. In the background — a crashed process's session lock takes a while to go
 * stale — and asked again every 5 s for a minute while a journal's process still seems to run (one
 * just killed may not be reaped yet). A session that cannot take them (a full disk) is said once and
 * tried again every KEPT_RETRY_MS until it can. What is not saved before the returned stop (close()) stays for the next start.
 */
function recoverInBackground(options: { inbox: MessageInbox; store: SessionStore; stateDir: string; onWarning: (message: string) => void }): () => void {
  const { inbox, store, stateDir, onWarning } = options;
  const state = { tries: 0, failed: false, stopped: false, timer: undefined as NodeJS.Timeout | undefined };
  const later = (ms: number): void => {
    if (!state.stopped) state.timer = setTimeout(round, ms).unref();
  };
  function round(): void {
    state.tries++;
    inbox
      .recover(store)
      .then(({ saved, cut, left }) => {
        if (cut > 0) onWarning(`${cut} answer(s) a stopped hearth was writing were cut off by its stop: their messages are marked unanswered (Retry sends one again)`);
        if (saved > 0) onWarning(`${saved} message(s) a stopped hearth had taken in but not answered are now in their sessions, marked unanswered (/retry sends one again)`);
        if (left > 0 && state.tries < 12) later(5_000);
      })
      .catch((error: unknown) => {
        if (!state.failed) onWarning(`could not recover the messages a stopped hearth had taken in (${error instanceof Error ? error.message : String(error)}); they stay in ${join(stateDir, "inbox")}, tried again every ${KEPT_RETRY_MS / 1000} s and at the next start`);
        state.failed = true;
        later(KEPT_RETRY_MS);
      });
  }
  round();
  return () => {
    state.stopped = true;
    clearTimeout(state.timer);
  };
}

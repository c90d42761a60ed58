import type { Agent } from "../agent/agent.js";
import type { Cooldowns } from "../models/cooldowns.js";
import type { LoadState } from "../models/load-state.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { OllamaLoadState } from "../models/ollama-load-state.js";
import type { ReachabilityCheck } from "../models/reachability.js";
import type { Router } from "../models/router.js";
import type { ServedWindows } from "../models/served-windows.js";
import type { SessionStore } from "../sessions/session-store.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import type { FirstTokenRing } from "./first-token-ring.js";
import type { MessageInbox } from "./message-inbox.js";
import type { OutcomesElsewhere } from "./outcomes-elsewhere.js";
import type { StateWrites } from "./state-writes.js";
import type { ProxyLedger } from "./proxy-ledger.js";
import type { TurnLog } from "./turn-log.js";

/** What the gateway serves from; a config reload replaces it whole (the store, router and cooldowns stay). */
export interface GatewayState {
  catalog: ModelCatalog;
  /** By id; "main" is always there. */
  agents: ReadonlyMap<string, Agent>;
  /** The config file that was not there, when the built-in default serves. */
  missingConfigFile: string | undefined;
  /** Environment variables that would give a hosted fallback its key (for the setup fix). */
  keyNames: readonly string[];
  /** `init` named the way the user runs hearth, for the setup fix. */
  initCommand?: string | undefined;
  /** The problems of the last config edit that could not be loaded (the previous config serves); absent once an edit loads. */
  reloadFailure?: readonly string[] | undefined;
}

export interface GatewayDependencies {
  store: SessionStore;
  router: Router;
  cooldowns: Cooldowns;
  latencies: FirstTokenRing;
  /** What the hearth commands beside the gateway found of the providers (provider-outcomes.json); absent: nothing is read. */
  outcomesElsewhere?: OutcomesElsewhere | undefined;
  reachability: ReachabilityCheck;
  state: () => GatewayState;
  /** The config's secrets (keys, header values, URL credentials): masked in everything a channel is shown. */
  secrets?: SecretRedactor | undefined;
  /** Messages taken in and not yet saved to their session (they wait for their turn), kept on disk. */
  inbox?: MessageInbox | undefined;
  /** Whether each place of the state dir took its last write (a session saved, a message kept): a refusal is a setup problem until a write there succeeds. */
  stateWrites?: StateWrites | undefined;
  /** How often messages kept because their session could not be written are tried again (KEPT_RETRY_MS). */
  keptRetryMs?: number | undefined;
  /** Where proxy mode's answers are counted for `hearth usage` (it writes no session). */
  proxyLedger?: ProxyLedger | undefined;
  /** What the servers reported of the windows and tools they run each model with (the router's); absent: the config's word. */
  windows?: ServedWindows | undefined;
  /** LM Studio's load state as last seen (the router's); absent: not known. */
  loadState?: LoadState | undefined;
  /** Ollama's load state, from its `/api/ps` when a listing asks (`lookLoaded`); absent: not known. */
  ollamaLoadState?: OllamaLoadState | undefined;
  /** Where each turn's line goes once its answer went out, whatever its channel (the gateway's log); absent: none is written. */
  turnLog?: TurnLog | undefined;
}

import type { ModelSpec } from "../ai/model-spec.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { Router } from "../models/router.js";
import type { RouterEvent } from "../models/router-events.js";
import type { SessionEntry } from "../sessions/entries.js";
import type { SessionStore } from "../sessions/session-store.js";
import type { SecretRedactor } from "../shared/secret-redactor.js";
import type { AgentEvent } from "./agent-events.js";
import type { InboundImage } from "./inbound-images.js";
import type { ContextWindows } from "./context-windows.js";
import type { ToolRegistry } from "./tools/registry.js";

export interface AgentDependencies {
  router: Router;
  store: SessionStore;
  tools: ToolRegistry;
  catalog: ModelCatalog;
  stateDir: string;
  /** The models' real windows beyond their config (server-reported, learned from overflows); absent: learned in this process only. */
  windows?: ContextWindows | undefined;
  /** An observer for each model call's router events (the gateway's first-token latencies); absent: none. */
  observeRoute?: (() => (event: RouterEvent) => void) | undefined;
  /** The command that writes a starter config, as the user would type it (`./bin/hearth init`); default `hearth init`. */
  initCommand?: string | undefined;
  /** The config file that was looked for and is not there (no model is configured then: said with it). */
  missingConfigFile?: string | undefined;
  /**
   * Masks every secret in play (config keys, key variables): an entry is kept, and sent to the model,
   * as the store keeps it — a tool's output holding a key (a file or /proc read by exec) never reaches
   * the model, and the next turn's context is byte for byte this turn's.
   */
  secrets?: SecretRedactor | undefined;
  /** A fault in hearth that broke a turn's route while its events were told (the turn says only that there was one): for the log. */
  onFault?: ((error: unknown) => void) | undefined;
}

export type UserEntry = Extract<SessionEntry, { type: "user" }>;

export interface TurnOptions {
  onEvent?: ((event: AgentEvent) => void) | undefined;
  /** Told the id of the user's entry just before it is written (the entries from it on are this turn's). */
  onSaving?: ((id: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** This turn only: answer with this model first (`--model`). */
  model?: ModelSpec | undefined;
  /** The channel can replace shown text with a fresh answer, or shows only the final text. */
  canRestart?: boolean | undefined;
  /** The channel shows the answer's words as they come: a stop keeps what it showed (`InboundMessage.showsLiveText`). */
  showsLiveText?: boolean | undefined;
  /** Text from outside the conversation that came with the message (forwarded, quoted). */
  quoted?: string | undefined;
  /** `/retry`: the failed message this turn sends again (see `Agent.retryable`). */
  retry?: UserEntry | undefined;
  /** Images that came with the message (base64); one over `MAX_IMAGE_BYTES` is described instead. */
  images?: readonly InboundImage[] | undefined;
  /** The channel the message came through, kept on its entry (`hearth usage --by channel`). */
  channel?: string | undefined;
  /** At most this many tokens a reply (an API client's `max_tokens`), below the agent's own limit. */
  maxTokens?: number | undefined;
  /** The request's name for `maxTokens`, quoted when a reply was sent less (default `max_tokens`). */
  maxTokensField?: string | undefined;
  /** Called once the user's message is on disk, before any model is called: from then on a read of the session has it. */
  onSaved?: (() => void) | undefined;
}

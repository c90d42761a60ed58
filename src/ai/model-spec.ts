import type { Api, InputKind, ModelCost } from "./api.js";

/** "provider/model", split on the first "/" (model ids may contain "/"). */
export type ModelRef = `${string}/${string}`;

/** Everything an adapter needs to call one model: resolved config over catalog over defaults. */
export interface ModelSpec {
  ref: ModelRef;
  provider: string;
  /** The provider's key as the config file writes it, where that differs from `provider` (`"${P}"`, substituted): messages name it so (see providerName). */
  providerWritten?: string | undefined;
  id: string;
  name: string;
  api: Api;
  baseUrl: string;
  /** Every server of this model: `[baseUrl]`, or the provider's `baseUrls` (replicas). */
  replicas: readonly string[];
  apiKey: string | undefined;
  /** The variable a built-in provider reads its key from: such a provider always needs a key, wherever it points. */
  apiKeyEnv?: string | undefined;
  /** Where `apiKey` came from (never the key): the config's apiKey, a variable from the environment or ~/.hearth/gateway.env, or none; absent: not said. */
  apiKeySource?: "config" | `env:${string}` | `gateway.env:${string}` | "none" | undefined;
  headers: Readonly<Record<string, string>>;
  /** The provider's wait for the first token and longest silence mid-answer, in seconds; undefined: the defaults. */
  timeoutSeconds: number | undefined;
  reasoning: boolean;
  input: readonly InputKind[];
  cost: ModelCost;
  contextWindow: number;
  maxTokens: number;
  /** The server is on this machine or a private network. */
  local: boolean;
  /** When the server has the model unloaded: wait for the load, or answer from the next model meanwhile. */
  onColdLoad: "wait" | "fallback";
  coldLoadTimeoutSeconds: number;
  /** A minimal request this often keeps the model loaded (the gateway does it); undefined: never. */
  keepWarmIntervalSeconds: number | undefined;
  /** llama.cpp's slots: each its own KV cache, or one shared (the provider's kvCache); undefined: not said, taken as shared. */
  kvCache?: "shared" | "per-slot" | undefined;
  /** Extra request body fields: `agents.defaults.models[ref].params`, OpenRouter `provider` routing, LM Studio `ttl`. */
  params: Readonly<Record<string, unknown>>;
  source: "config" | "builtin";
  /** What the server or template cannot take (config); undefined: nothing known. */
  compat?: ModelCompat | undefined;
}

/** OpenAI's reasoning efforts (Chat Completions' `reasoning_effort`, Responses' `reasoning.effort`): see reasoning-efforts.ts. */
export type Effort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

/** Request shapes a server or chat template cannot take (see `compat` in the config). */
export interface ModelCompat {
  supportsTools?: boolean | undefined;
  supportsSystemRole?: boolean | undefined;
  stringContentOnly?: boolean | undefined;
  maxTokensField?: "max_tokens" | "max_completion_tokens" | undefined;
  /** The reasoning efforts an OpenAI-shaped server takes, where it refused one (learned from its words only). */
  reasoningEfforts?: readonly Effort[] | undefined;
  /** false: Ollama's `think` takes true or false only, no level, for this model (learned from its refusal only). */
  thinkLevels?: boolean | undefined;
}

export function splitRef(ref: string): { provider: string; id: string } | undefined {
  const slash = ref.indexOf("/");
  if (slash <= 0 || slash === ref.length - 1) return undefined;
  return { provider: ref.slice(0, slash), id: ref.slice(slash + 1) };
}

export function makeRef(provider: string, id: string): ModelRef {
  return `${provider}/${id}`;
}

/** The wire protocols hearth speaks. Adding one adds a folder under src/ai/providers/ and a name here. */
export const API_NAMES = ["openai-responses", "openai-completions", "anthropic-messages", "ollama"] as const;
export type Api = (typeof API_NAMES)[number];

/** Kinds of input a model accepts. */
export const INPUT_KINDS = ["text", "image"] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** US dollars per million tokens. */
export interface ModelCost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One model as the built-in catalog describes it. */
export interface CatalogModel {
  id: string;
  name: string;
  reasoning: boolean;
  input: readonly InputKind[];
  contextWindow: number;
  maxTokens: number;
  cost: ModelCost;
}

/** One hosted provider of the built-in catalog. */
export interface CatalogProvider {
  id: string;
  name: string;
  api: Api;
  baseUrl: string;
  /** The environment variable the key is read from when the config gives none. */
  apiKeyEnv: string;
  models: readonly CatalogModel[];
}

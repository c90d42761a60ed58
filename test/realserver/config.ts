// Config files for hearth in front of real llama-servers.
import type { Api } from "../../src/ai/api.js";
import type { RealServer } from "./real-server.js";

export interface ProviderOptions {
  api?: Api;
  contextWindow?: number;
  maxTokens?: number;
  timeoutSeconds?: number;
}

export function realConfig(primary: RealServer, options: ProviderOptions & { fallback?: RealServer; extra?: string } = {}): string {
  const provider = (server: RealServer, settings: ProviderOptions) =>
    `{ baseUrl: "${server.baseUrl}", api: "${settings.api ?? "openai-completions"}",${settings.timeoutSeconds ? ` timeoutSeconds: ${settings.timeoutSeconds},` : ""}
       models: [{ id: "${server.alias}", contextWindow: ${settings.contextWindow ?? 2048}, maxTokens: ${settings.maxTokens ?? 48} }] }`;
  return `{
    agents: { defaults: {
      model: { primary: "llama/${primary.alias}", fallbacks: [${options.fallback ? `"spare/${options.fallback.alias}"` : ""}] },
      ${options.extra ?? ""}
    } },
    models: { mode: "replace", providers: {
      llama: ${provider(primary, options)},
      ${options.fallback ? `spare: ${provider(options.fallback, { maxTokens: options.maxTokens ?? 48 })},` : ""}
    } },
  }`;
}

export interface AgentJson {
  text: string;
  model: string;
  attempts: { model: string; outcome: string; ms: number }[];
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number; estimated: boolean };
  truncated?: boolean;
  error?: string;
}

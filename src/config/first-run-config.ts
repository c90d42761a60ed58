import { parseJson5 } from "./parse-json5.js";
import { starterConfig } from "./starter-config.js";

const HOSTED_KEYS: Readonly<Record<string, string>> = { anthropic: "ANTHROPIC_API_KEY", openai: "OPENAI_API_KEY", openrouter: "OPENROUTER_API_KEY" };

/**
 * The config a gateway runs on when there is no config file yet: the starter config (LM Studio at
 * 127.0.0.1:1234 first), keeping only the hosted fallbacks whose key is in the environment.
 */
export function firstRunConfigValue(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const value = parseJson5(starterConfig(undefined), "the built-in default config") as { agents: { defaults: { model: { fallbacks: string[] } } } };
  const model = value.agents.defaults.model;
  model.fallbacks = model.fallbacks.filter((ref) => {
    const variable = HOSTED_KEYS[ref.split("/")[0] ?? ""];
    return variable !== undefined && Boolean(env[variable]);
  });
  return value as unknown as Record<string, unknown>;
}

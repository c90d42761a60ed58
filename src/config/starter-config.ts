import { DEFAULT_LOCAL_BASE_URL } from "./default-config.js";

/** The starter's primary: the quick start's model on LM Studio. */
export const STARTER_PRIMARY = "lmstudio/minimax-m2.1-gs32";

export interface StarterOptions {
  /** Lets editors complete and check the file. */
  schemaUrl?: string | undefined;
  /** Where LM Studio's server is (default DEFAULT_LOCAL_BASE_URL; `defaultLocalBaseUrl(env)` moves it). */
  baseUrl?: string | undefined;
  /** false: without the quick start's model (primary, alias and entry) — the server found at LM Studio's address serves others, and discovery sets the primary. */
  starterModel?: boolean | undefined;
}

/** The commented config `hearth init` writes: local first with LM Studio, hosted fallbacks kept by merge. */
export function starterConfig(options: StarterOptions = {}): string {
  const { schemaUrl } = options;
  const baseUrl = options.baseUrl ?? DEFAULT_LOCAL_BASE_URL;
  const withModel = options.starterModel !== false;
  const schemaLine = schemaUrl ? `  // Lets editors complete and check this file.\n  $schema: ${JSON.stringify(schemaUrl)},\n\n` : "";
  return `// hearth config (JSON5: comments and trailing commas are fine; quotes must be plain " or ').
// Check it with \`hearth config validate\`; see the chain with \`hearth models list\`.
{
${schemaLine}  agents: {
    defaults: {
      // Who answers: the primary first, then each fallback in order when it is down, cold or overflowing.
      model: {
${withModel ? `        primary: "${STARTER_PRIMARY}",\n` : ""}        fallbacks: ["anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5"],
      },
      // Short names for /model and --model (case does not matter).
      models: {
${withModel ? `        "lmstudio/minimax-m2.1-gs32": { alias: "Minimax" },
` : ""}        "anthropic/claude-sonnet-4-5": { alias: "Sonnet" },
        "anthropic/claude-opus-4-5": { alias: "Opus" },
      },
    },
  },
  models: {
    // "merge" keeps the built-in hosted providers (anthropic, openai, openrouter) beside yours, so the
    // fallbacks stay available; their keys come from ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY.
    // "replace" would leave only the providers below.
    mode: "merge",
    providers: {
      lmstudio: {
        // LM Studio's local server (Developer tab → Start Server). Check: curl ${baseUrl}/models
        baseUrl: ${JSON.stringify(baseUrl)},
        apiKey: "lmstudio",
        // The Responses API keeps the model's reasoning apart from the final text.
        api: "openai-responses",
        // Keep the model resident: LM Studio unloads an idle model, and the next turn waits for it to load.
        // ttlSeconds is sent with each request; intervalSeconds: the running gateway asks a one-token answer that often.
        // keepWarm: { ttlSeconds: 86400, intervalSeconds: 600 },
${withModel ? STARTER_MODEL : "        models: [],\n"}      },
    },
  },
}
`;
}

/** The quick start's model as LM Studio lists it: the entry the starter gives the lmstudio provider. */
const STARTER_MODEL = `        models: [
          {
            id: "minimax-m2.1-gs32", // as LM Studio lists it
            name: "MiniMax M2.1 GS32",
            reasoning: false,
            input: ["text"],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            // Load the model in LM Studio with at least this much context, or lower this number.
            contextWindow: 196608,
            maxTokens: 8192,
          },
        ],
`;

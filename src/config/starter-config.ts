/** The commented config `hearth init` writes: local first with LM Studio, hosted fallbacks kept by merge. */
export function starterConfig(schemaUrl: string | undefined): string {
  const schemaLine = schemaUrl ? `  // Lets editors complete and check this file.\n  $schema: ${JSON.stringify(schemaUrl)},\n\n` : "";
  return `// hearth config (JSON5: comments and trailing commas are fine; quotes must be plain " or ').
// Check it with \`hearth config validate\`; see the chain with \`hearth models list\`.
{
${schemaLine}  agents: {
    defaults: {
      // Who answers: the primary first, then each fallback in order when it is down, cold or overflowing.
      model: {
        primary: "lmstudio/minimax-m2.1-gs32",
        fallbacks: ["anthropic/claude-sonnet-4-5", "anthropic/claude-opus-4-5"],
      },
      // Short names for /model and --model (case does not matter).
      models: {
        "lmstudio/minimax-m2.1-gs32": { alias: "Minimax" },
        "anthropic/claude-sonnet-4-5": { alias: "Sonnet" },
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
        // LM Studio's local server (Developer tab → Start Server). Check: curl http://127.0.0.1:1234/v1/models
        baseUrl: "http://127.0.0.1:1234/v1",
        apiKey: "lmstudio",
        // The Responses API keeps the model's reasoning apart from the final text.
        api: "openai-responses",
        // Keep the model resident: LM Studio unloads an idle model, and the next turn waits for it to load.
        // ttlSeconds is sent with each request; intervalSeconds: the running gateway asks a one-token answer that often.
        // keepWarm: { ttlSeconds: 86400, intervalSeconds: 600 },
        models: [
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
      },
    },
  },
}
`;
}

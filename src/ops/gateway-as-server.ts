/**
 * The words of every command that asks an address for a model server (models discover, init, models
 * load, models status --probe, doctor) where a hearth gateway answers there: it answered — it is a
 * gateway, not a model server to point hearth at — and what to do: point the config at the model
 * servers behind it, or use it on purpose as an OpenAI-compatible endpoint.
 */
export function gatewayAsServer(url: string, found: { version: string | undefined; where?: string | undefined }): { title: string; fix: string } {
  const where = found.where ?? "the config";
  return {
    title: `${url} is a hearth gateway${found.version ? ` (version ${found.version})` : ""}, not a model server: it answers with the models of its own config`,
    fix: `point ${where} at the model servers behind it (LM Studio, llama.cpp, Ollama, vLLM at their own addresses: \`hearth models discover --url ADDRESS\` asks one), or use the gateway as an OpenAI-compatible endpoint on purpose: a provider of api "openai-completions" at its /v1, its gateway.auth.token as apiKey, and as model ids the refs its /v1/models lists`,
  };
}

// A fake Ollama server: the native model endpoints hearth discovers from.
//
// Shapes from ollama/ollama docs/api.md:
// - GET /api/tags: `{ models: [{ name, model, modified_at, size, digest, details: { parent_model, format,
//   family, families, parameter_size: "8.0B", quantization_level: "Q4_K_M" } }] }`
// - POST /api/show `{ model }`: `{ modelfile, parameters, template, details, model_info: {
//   "general.architecture", "general.parameter_count", "<arch>.context_length", … }, capabilities:
//   ["completion", "tools", "vision", "thinking"] }`; an unknown model: 404 `{ error: "model 'x' not found" }`
// - GET /api/ps: `{ models: [{ name, model, size, digest, details, expires_at, size_vram, context_length }] }`
// - GET /api/version: `{ version }`
// - GET /v1/models (its OpenAI-compatible API, docs/openai.md; openai/openai.go ToListCompletion): `{ object:
//   "list", data: [{ id, object: "model", created, owned_by }] }`, owned_by the id's namespace ("library" for
//   `llama3.2:latest`); with no model pulled `data` is null (a Go nil slice). Before 0.13.3 (this fake's version) there is no
//   /v1/responses: any other path answers 404 `404 page not found` in plain text.
import type { FakeServer, Handler } from "./fake-server.js";
import { startFakeServer } from "./fake-server.js";

export interface OllamaModel {
  /** with its tag, e.g. "qwen3:32b" */
  name: string;
  /** "32.8B" */
  parameterSize: string;
  /** "Q4_K_M" */
  quantization: string;
  family?: string;
  /** `<arch>.context_length` of model_info: the trained maximum */
  contextLength: number;
  /** `num_ctx` in the model's parameters, when set */
  numCtx?: number;
  capabilities?: string[];
  /** Loaded (in /api/ps) with this context length; undefined: not loaded. */
  loadedContext?: number;
}

export function startOllama(models: OllamaModel[]): Promise<FakeServer> {
  return startFakeServer(ollamaHandler(models));
}

export function ollamaHandler(models: OllamaModel[]): Handler {
  return (request) => {
    const route = `${request.method} ${request.path.split("?")[0] ?? "/"}`;
    switch (route) {
      case "GET /api/version":
        return { kind: "json", body: { version: "0.12.6" } };
      case "GET /api/tags":
        return { kind: "json", body: { models: models.map((model) => ({ name: model.name, model: model.name, modified_at: "2026-11-02T10:00:00.000Z", size: 19_851_336_864, digest: "a".repeat(64), details: details(model) })) } };
      case "GET /v1/models":
        return { kind: "json", body: { object: "list", data: models.length === 0 ? null : models.map((model) => ({ id: model.name, object: "model", created: 1762077600, owned_by: namespaceOf(model.name) })) } };
      case "GET /api/ps":
        return {
          kind: "json",
          body: {
            models: models
              .filter((model) => model.loadedContext !== undefined)
              .map((model) => ({ name: model.name, model: model.name, size: 21_000_000_000, digest: "a".repeat(64), details: details(model), expires_at: "2026-12-01T23:00:00Z", size_vram: 21_000_000_000, context_length: model.loadedContext })),
          },
        };
      case "POST /api/show": {
        const wanted = (request.body as { model?: string; name?: string }).model ?? (request.body as { name?: string }).name;
        const model = models.find((entry) => entry.name === wanted || entry.name === `${wanted}:latest`);
        if (!model) return { kind: "json", status: 404, body: { error: `model '${wanted}' not found` } };
        const arch = model.family ?? "qwen3";
        return {
          kind: "json",
          body: {
            modelfile: `FROM ${model.name}`,
            parameters: model.numCtx === undefined ? 'stop "<|im_end|>"' : `num_ctx                        ${model.numCtx}\nstop                           "<|im_end|>"`,
            template: "{{ .Prompt }}",
            details: details(model),
            model_info: { "general.architecture": arch, "general.parameter_count": Math.round(Number.parseFloat(model.parameterSize) * 1e9), [`${arch}.context_length`]: model.contextLength },
            capabilities: model.capabilities ?? ["completion", "tools"],
            modified_at: "2026-11-02T10:00:00.000Z",
          },
        };
      }
      default:
        return { kind: "raw", status: 404, headers: { "content-type": "text/plain" }, chunks: ["404 page not found"] };
    }
  };
}

function details(model: OllamaModel): Record<string, unknown> {
  const family = model.family ?? "qwen3";
  return { parent_model: "", format: "gguf", family, families: [family], parameter_size: model.parameterSize, quantization_level: model.quantization };
}

/** The namespace Ollama parses from a name (`[host/][namespace/]model[:tag]`): "library" when it names none. */
function namespaceOf(name: string): string {
  const path = name.replace(/:[^:/]*$/, "").split("/");
  return path.length >= 2 ? (path[path.length - 2] ?? "library") : "library";
}

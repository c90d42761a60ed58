import { numberOf, record } from "../json-fields.js";

/** One model as LM Studio's native REST API describes it. */
export interface LmStudioModel {
  id: string;
  loaded: boolean;
  /** The context length it is loaded with (the smallest over loaded instances). */
  loadedContext: number | undefined;
  maxContext: number | undefined;
  quantization: string | undefined;
  /** "7B", "230B-A10B", … where the server says. */
  params: string | undefined;
  /** Whether the model was trained for tool use (`capabilities`), where the server says. */
  toolUse: boolean | undefined;
  /** `quantization.bits_per_weight` (v1 only). */
  bitsPerWeight?: number | undefined;
  /** "gguf", "mlx", … (v1 `format`, v0 `compatibility_type`). */
  format?: string | undefined;
  /** `capabilities.vision` (v1), or `type: "vlm"` (v0). */
  vision?: boolean | undefined;
  /** "llm", "vlm", "embedding". */
  type?: string | undefined;
}

/**
 * Reads either native listing: `GET /api/v1/models` (LM Studio 0.4+: `{ models: [{ key, loaded_instances:
 * [{ config: { context_length } }], max_context_length, quantization, params_string }] }`) or
 * `GET /api/v0/models` (0.3.6+: `{ data: [{ id, state, max_context_length, loaded_context_length, quantization }] }`).
 */
export function parseLmStudioListing(body: unknown): LmStudioModel[] | undefined {
  const root = record(body);
  if (Array.isArray(root.models)) {
    return root.models.map((entry) => {
      const model = record(entry);
      const instances = Array.isArray(model.loaded_instances) ? model.loaded_instances.map(record) : [];
      const contexts = instances.map((instance) => numberOf(record(instance.config).context_length)).filter((value): value is number => value !== undefined);
      return {
        id: String(model.key ?? model.id ?? ""),
        loaded: instances.length > 0,
        loadedContext: contexts.length > 0 ? Math.min(...contexts) : undefined,
        maxContext: numberOf(model.max_context_length),
        quantization: quantizationOf(model.quantization),
        params: typeof model.params_string === "string" ? model.params_string : undefined,
        toolUse: typeof record(model.capabilities).trained_for_tool_use === "boolean" ? (record(model.capabilities).trained_for_tool_use as boolean) : undefined,
        bitsPerWeight: numberOf(record(model.quantization).bits_per_weight),
        format: typeof model.format === "string" ? model.format : undefined,
        vision: typeof record(model.capabilities).vision === "boolean" ? (record(model.capabilities).vision as boolean) : undefined,
        type: typeof model.type === "string" ? model.type : undefined,
      };
    });
  }
  if (Array.isArray(root.data) && root.data.some((entry) => "state" in record(entry))) {
    return root.data.map((entry) => {
      const model = record(entry);
      return {
        id: String(model.id ?? ""),
        loaded: model.state === "loaded",
        loadedContext: numberOf(model.loaded_context_length),
        maxContext: numberOf(model.max_context_length),
        quantization: quantizationOf(model.quantization),
        params: undefined,
        toolUse: Array.isArray(model.capabilities) ? model.capabilities.includes("tool_use") : undefined,
        format: typeof model.compatibility_type === "string" ? model.compatibility_type : undefined,
        vision: model.type === "vlm" ? true : undefined,
        type: typeof model.type === "string" ? model.type : undefined,
      };
    });
  }
  return undefined;
}

function quantizationOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const name = record(value).name;
  return typeof name === "string" ? name : undefined;
}

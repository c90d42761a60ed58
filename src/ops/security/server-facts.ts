import type { HttpClient } from "../../ai/http/http-client.js";
import { requestJson } from "../../ai/http/get-json.js";
import { array, numberOf, record, stringOf } from "../../ai/json-fields.js";
import { parseLmStudioListing } from "../../ai/lmstudio/listing.js";
import type { ModelSpec } from "../../ai/model-spec.js";
import type { Timeouts } from "../../ai/types.js";

/** What a local server says of one model's size: LM Studio's params and quantization, Ollama's details, llama.cpp's model path. */
export interface ReportedSize {
  params?: string | undefined;
  /** An exact count of parameters (llama.cpp's `meta.n_params`, Ollama's `general.parameter_count`). */
  parameterCount?: number | undefined;
  quantization?: string | undefined;
  /** LM Studio's `quantization.bits_per_weight`. */
  bitsPerWeight?: number | undefined;
  path?: string | undefined;
}

const QUICK: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 8_000 };

const originOf = (baseUrl: string): string => baseUrl.replace(/\/+$/, "").replace(/\/(v1|api)$/, "");

/**
 * Asks the model's own server (never any other) what it serves: Ollama's `POST /api/show`, else LM
 * Studio's `/api/v1/models` or `/api/v0/models`, else llama.cpp's `/v1/models` (`meta.n_params`,
 * `meta.ftype`) and `/props` (the model file). Undefined when none answers.
 */
export async function reportedSize(http: HttpClient, model: ModelSpec): Promise<ReportedSize | undefined> {
  const origin = originOf(model.baseUrl);
  const headers: Record<string, string> = { ...(model.apiKey ? { authorization: `Bearer ${model.apiKey}` } : {}), ...model.headers };
  if (model.api === "ollama") {
    const shown = await requestJson(http, `${origin}/api/show`, { method: "POST", body: { model: model.id }, headers, timeouts: QUICK });
    if (!shown.ok) return undefined;
    const details = record(record(shown.body).details);
    const count = numberOf(record(record(shown.body).model_info)["general.parameter_count"]);
    return { params: stringOf(details.parameter_size) || undefined, parameterCount: count, quantization: stringOf(details.quantization_level) || undefined };
  }
  for (const path of ["/api/v1/models", "/api/v0/models"]) {
    const listing = await requestJson(http, `${origin}${path}`, { headers, timeouts: QUICK });
    if (!listing.ok) continue;
    const models = parseLmStudioListing(listing.body);
    const found = models?.find((entry) => entry.id === model.id);
    if (found) return { params: found.params, quantization: found.quantization, bitsPerWeight: found.bitsPerWeight };
    if (models) return undefined;
  }
  const props = await requestJson(http, `${origin}/props`, { headers, timeouts: QUICK });
  if (!props.ok) return undefined;
  const path = stringOf(record(props.body).model_path);
  // llama-server's listing counts the parameters and names the quantization (its `ftype`: "Q4_K - Medium").
  const listing = await requestJson(http, `${origin}/v1/models`, { headers, timeouts: QUICK });
  const entries = array(listing.ok ? record(listing.body).data : []).map(record);
  const entry = entries.find((candidate) => candidate.id === model.id) ?? (entries.length === 1 ? entries[0] : undefined);
  const meta = record(entry?.meta);
  const reported: ReportedSize = { parameterCount: numberOf(meta.n_params), quantization: stringOf(meta.ftype) || undefined, path: path ? path.split(/[\\/]/).pop() : undefined };
  return reported.parameterCount !== undefined || reported.quantization !== undefined || reported.path !== undefined ? reported : undefined;
}

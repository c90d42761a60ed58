import type { HttpClient } from "./http/http-client.js";
import { requestJson } from "./http/get-json.js";
import { joinUrl, withBasePath } from "./http/join-url.js";
import { bearerHeaders } from "./adapter.js";
import { record, stringOf } from "./json-fields.js";
import type { ModelSpec } from "./model-spec.js";
import type { Timeouts } from "./types.js";
import { templateWritesReasoning } from "./think-spellings.js";

const QUICK: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 8_000 };

/** What llama.cpp's `GET /props` says of reasoning: its `reasoning_format` ("" when absent) and its chat template. */
interface TemplateSettings {
  format: string;
  template: string | undefined;
}

async function templateSettings(http: HttpClient, model: ModelSpec): Promise<TemplateSettings | undefined> {
  if (!model.local) return undefined;
  const origin = withBasePath(model.baseUrl, (path) => path.replace(/\/v1$/, ""));
  const answer = await requestJson(http, joinUrl(origin, "/props"), { headers: { ...bearerHeaders(model), ...model.headers }, timeouts: QUICK }).catch(() => undefined);
  if (!answer?.ok) return undefined;
  const props = record(answer.body);
  const template = props.chat_template;
  return { format: stringOf(record(record(props.default_generation_settings).params).reasoning_format), template: typeof template === "string" ? template : undefined };
}

/**
 * What a local server says of where its model's reasoning goes, for a reasoning model whose answer left
 * it open (cut at its token limit with no `</think>`: reasoning that never reached its close, or an answer
 * with none). llama.cpp's `GET /props`: a `reasoning_format` other than "none" means the server takes
 * reasoning out of the text itself, also where the template opens the block in the prompt ("separates");
 * a `chat_template` that names no reasoning tag of any spelling (`<think>`, `<seed:think>`, `[THINK]`,
 * `<thinking>`, harmony's channels: `think-spellings.ts`) never opens one in the prompt, so no orphan
 * closing tag can end the model's text ("plain"). Undefined for any other answer (no `/props`: LM Studio, vLLM; a hosted
 * server is never asked).
 */
export async function templateReasoning(http: HttpClient, model: ModelSpec): Promise<"separates" | "plain" | undefined> {
  const settings = await templateSettings(http, model);
  if (!settings) return undefined;
  if (settings.format !== "" && settings.format !== "none") return "separates";
  const template = settings.template;
  if (template !== undefined && template.trim() !== "" && !templateWritesReasoning(template)) return "plain";
  return undefined;
}

/**
 * Whether a local server leaves its model's reasoning in the text: llama.cpp run with
 * `--reasoning-format none` (its `/props`) and a chat template that handles reasoning tags (`<think>`:
 * Qwen3, DeepSeek-R1, GLM and their kind; `<seed:think>`: Seed-OSS; `[THINK]`: Magistral; harmony's
 * channels: gpt-oss; one that opens the block in the prompt ends the reasoning with an orphan close).
 * False for any other answer, or none.
 */
export async function reasoningLeftInText(http: HttpClient, model: ModelSpec): Promise<boolean> {
  const settings = await templateSettings(http, model);
  return settings?.format === "none" && settings.template !== undefined && templateWritesReasoning(settings.template);
}

import type { HttpClient } from "./http/http-client.js";
import { requestJson } from "./http/get-json.js";
import { joinUrl, withBasePath } from "./http/join-url.js";
import { bearerHeaders } from "./adapter.js";
import { record, stringOf } from "./json-fields.js";
import type { ModelSpec } from "./model-spec.js";
import type { Timeouts } from "./types.js";

const QUICK: Timeouts = { connectMs: 2_000, firstByteMs: 5_000, idleMs: 5_000, totalMs: 8_000 };

/**
 * What a local server says of where its model's reasoning goes, for a reasoning model whose answer left
 * it open (cut at its token limit with no `</think>`: reasoning that never reached its close, or an answer
 * with none). llama.cpp's `GET /props`: a `reasoning_format` other than "none" means the server takes
 * reasoning out of the text itself, also where the template opens the block in the prompt ("separates");
 * a `chat_template` with no `<think>` in it never opens one in the prompt, so no orphan `</think>` can
 * end the model's text ("plain"). Undefined for any other answer (no `/props`: LM Studio, vLLM; a hosted
 * server is never asked).
 */
export async function templateReasoning(http: HttpClient, model: ModelSpec): Promise<"separates" | "plain" | undefined> {
  if (!model.local) return undefined;
  const origin = withBasePath(model.baseUrl, (path) => path.replace(/\/v1$/, ""));
  const answer = await requestJson(http, joinUrl(origin, "/props"), { headers: { ...bearerHeaders(model), ...model.headers }, timeouts: QUICK }).catch(() => undefined);
  if (!answer?.ok) return undefined;
  const props = record(answer.body);
  const format = stringOf(record(record(props.default_generation_settings).params).reasoning_format);
  if (format !== "" && format !== "none") return "separates";
  const template = props.chat_template;
  if (typeof template === "string" && template.trim() !== "" && !template.includes("<think>")) return "plain";
  return undefined;
}

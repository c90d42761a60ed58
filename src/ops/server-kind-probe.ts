import type { HttpClient } from "../ai/http/http-client.js";
import { requestJson } from "../ai/http/get-json.js";
import { joinUrl, withBasePath } from "../ai/http/join-url.js";
import { isLlamaCppProps, isOllamaTags } from "../ai/server-kind.js";
import type { Timeouts } from "../ai/types.js";

const QUICK: Timeouts = { connectMs: 1_500, firstByteMs: 3_000, idleMs: 3_000, totalMs: 5_000 };

/**
 * Which server answers at `base` where LM Studio's native listing did not (the probe asks that itself):
 * llama.cpp by its `/props`, else Ollama by its `/api/tags` — in that order, as discovery asks, since
 * llama-server answers an Ollama-style listing too. Undefined when neither answers so.
 */
export async function askServerKind(http: HttpClient, base: string, headers: Record<string, string>): Promise<"llamacpp" | "ollama" | undefined> {
  const origin = withBasePath(base, (path) => path.replace(/\/(v1|api)$/, ""));
  const props = await requestJson(http, joinUrl(origin, "/props"), { headers, timeouts: QUICK });
  if (props.ok && isLlamaCppProps(props.body)) return "llamacpp";
  const tags = await requestJson(http, joinUrl(origin, "/api/tags"), { headers, timeouts: QUICK });
  if (tags.ok && isOllamaTags(tags.body)) return "ollama";
  return undefined;
}

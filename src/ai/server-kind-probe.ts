import type { HttpClient } from "./http/http-client.js";
import { requestJson } from "./http/get-json.js";
import { joinUrl, withBasePath } from "./http/join-url.js";
import { isLlamaCppProps, isOllamaTags } from "./server-kind.js";
import type { Timeouts } from "./types.js";

const QUICK: Timeouts = { connectMs: 1_500, firstByteMs: 3_000, idleMs: 3_000, totalMs: 5_000 };

/**
 * Which server answers at `base` where LM Studio's native listing did not (the probe asks that itself):
 * llama.cpp by its `/props`, else Ollama by its `/api/tags` — in that order, as discovery asks, since
 * llama-server answers an Ollama-style listing too. Undefined when neither answers so.
 */
export async function askServerKind(
  http: HttpClient,
  where: { base: string; headers: Record<string, string>; timeouts?: Timeouts | undefined; signal?: AbortSignal | undefined },
): Promise<"llamacpp" | "ollama" | undefined> {
  const origin = withBasePath(where.base, (path) => path.replace(/\/(v1|api)$/, ""));
  const ask = { headers: where.headers, timeouts: where.timeouts ?? QUICK, ...(where.signal ? { signal: where.signal } : {}) };
  const props = await requestJson(http, joinUrl(origin, "/props"), ask);
  if (props.ok && isLlamaCppProps(props.body)) return "llamacpp";
  const tags = await requestJson(http, joinUrl(origin, "/api/tags"), ask);
  if (tags.ok && isOllamaTags(tags.body)) return "ollama";
  return undefined;
}

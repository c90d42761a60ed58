import { classifyHttpFailure, errorInAnswer } from "../classify-failure.js";
import type { Failure, Timeouts } from "../types.js";
import type { HttpClient } from "./http-client.js";
import { servedInstead, webPageFailure, webPageOf } from "../web-page-answer.js";

export type JsonResult = { ok: true; status: number; body: unknown; ms: number } | { ok: false; failure: Failure; ms: number };

const PROBE_TIMEOUTS: Timeouts = { connectMs: 3_000, firstByteMs: 10_000, idleMs: 10_000, totalMs: 15_000 };

/** GET or POST a small JSON exchange (probes, model listings); errors come back as classified failures. */
export async function requestJson(
  http: HttpClient,
  url: string,
  options: { headers?: Record<string, string>; method?: "GET" | "POST"; body?: unknown; timeouts?: Timeouts; signal?: AbortSignal } = {},
): Promise<JsonResult> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  const result = await http.request({
    url,
    method: options.method ?? "GET",
    headers: { accept: "application/json", ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    timeouts: options.timeouts ?? PROBE_TIMEOUTS,
    signal: options.signal,
  });
  if (!result.ok) return { ok: false, failure: result.failure, ms: elapsed() };
  let text: string;
  try {
    text = await result.response.text();
  } catch (error) {
    return { ok: false, failure: { kind: "stream-broken", message: error instanceof Error ? error.message : String(error) }, ms: elapsed() };
  }
  const { status, headers } = result.response;
  const method = options.method ?? "GET";
  // A web page (HTML) for the path asked (servedInstead): another program holds the address; said as that, never its markup.
  const page = webPageOf(text, headers);
  if (page && servedInstead(status)) return { ok: false, failure: webPageFailure({ status, page }, { method, url }), ms: elapsed() };
  if (status < 200 || status >= 300) return { ok: false, failure: classifyHttpFailure(status, text, headers, `${method} ${new URL(url).pathname}`), ms: elapsed() };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, failure: { kind: "bad-request", status, message: `${method} ${new URL(url).pathname} answered ${status} with a body that is not JSON` }, ms: elapsed() };
  }
  // Judged by what it says, not its status: LM Studio answers a path it lacks with 200 and an error body.
  if (errorInAnswer(body)) return { ok: false, failure: classifyHttpFailure(status, text, headers, `${method} ${new URL(url).pathname}`), ms: elapsed() };
  return { ok: true, status, body, ms: elapsed() };
}

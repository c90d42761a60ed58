// Requests the gateway benchmark sends (bench/sections/gateway.ts, gateway-modes.ts): over one keep-alive
// agent, each bounded in time, a stream's first text delta timed too.
import http from "node:http";

/** The agent every request of the gateway benchmark goes over (destroyed at the section's end). */
export const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  ms: number;
  /** streams: until the first frame with text; else = ms */
  firstMs: number;
  body: string;
}

/** One request over the keep-alive agent; a stream's first text delta is timed too. Bounded by `timeoutMs`. */
export function request(url: string, options: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstMs = -1;
    let body = "";
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(url, { method: options.method ?? (payload ? "POST" : "GET"), agent, headers: { ...(payload ? { "content-type": "application/json" } : {}), ...options.headers } }, (res) => {
      res.setEncoding("utf8");
      const streaming = (res.headers["content-type"] ?? "").startsWith("text/event-stream");
      res.on("data", (chunk: string) => {
        body += chunk;
        if (streaming && firstMs < 0 && /"content":"[^"]/.test(chunk)) firstMs = performance.now() - started;
      });
      res.on("end", () => {
        const ms = performance.now() - started;
        resolve({ status: res.statusCode ?? 0, ms, firstMs: firstMs < 0 ? ms : firstMs, body });
      });
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`timed out: ${url}`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export const health = async (base: string): Promise<number> => (await request(`${base}/health`, { timeoutMs: 5_000 })).ms;

export const chat = (model: string, stream: boolean, text = "hi") => ({ model, stream, messages: [{ role: "user", content: text }] });
export const ok = (reply: Reply): Reply => {
  if (reply.status !== 200) throw new Error(`status ${reply.status}: ${reply.body.slice(0, 300)}`);
  return reply;
};


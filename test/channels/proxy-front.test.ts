// The proxy front (src/channels/http/proxy-front.ts) serves proxy-mode requests before Hono: for a
// corpus of upstream answers — recorded captures, reasoning in both wire forms, tool calls, usage, a
// key the server echoes split across frames, a stream broken mid-answer, a server error — on both
// endpoints, streamed and whole, a gateway with the front gives the client the same status, header
// lines (names, case and order) and body as one without it (ids and times normalised), and writes the
// same log line; requests the front leaves to Hono (a body that does not parse, an unknown model, a
// missing token, a Host the gateway does not answer to) get the same answers too.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { openAiFront, openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { proxyFront, type FrontRoute } from "../../src/channels/http/proxy-front.js";
import { createHttpApp, frontGate, serveHttp, type HttpAppOptions, type RunningServer } from "../../src/channels/http/server.js";
import { startFakeServer, type FakeServer, type Reply } from "../fakes/fake-server.js";
import { contentPieces, dataLines, frames, recorded } from "../helpers/chat-completions-replies.js";
import { runtimeOverUpstream } from "../helpers/test-gateway.js";

const KEY = "sk-front-Key-0123456789abcdef";
const TOKEN = "front-test-token-1234567890";

const corpus: { name: string; reply: Reply }[] = [
  { name: "capture: api.openai.com gpt-4o-mini, text", reply: recorded("pydantic-ai/test_run_stream_sync_streams_real_model.0.sse") },
  { name: "capture: DeepSeek tool call", reply: dataLines("vercel-ai/deepseek-tool-call.chunks.txt") },
  { name: "reasoning_content, text and usage", reply: frames({ text: "The answer is four.", reasoning: "Two and two make four.", reasoningField: "reasoning_content", usage: { input: 12, output: 9 } }) },
  { name: "<think> tags inline", reply: frames({ text: "Paris.", reasoning: "The capital of France.", reasoningField: "think-tags", chunkSize: 3 }) },
  { name: "tool calls", reply: frames({ toolCalls: [{ id: "call_1", name: "lookup", arguments: '{"city":"Paris"}' }], usage: { input: 20, output: 5 } }) },
  { name: "a key echoed, split across frames", reply: contentPieces(["your key is sk-front-K", "ey-0123456", "789abcdef as you sent it"]) },
  { name: "broken mid-answer", reply: contentPieces(["half an ans", "wer and then"], "reset") },
  { name: "a server error", reply: { kind: "json", status: 500, body: { error: { message: "the server broke" } } } },
];

interface Seen {
  status: number;
  /** The header lines as sent (Date left out), ids and times normalised. */
  headers: string[];
  body: string;
}

const normal = (text: string): string =>
  text
    .replace(/"(id|item_id|response_id)":"[^"]*"/g, '"$1":"ID"')
    .replace(/"(created|created_at|completed_at)":\d+/g, '"$1":0')
    .replace(/ms(\\*)":\d+/g, 'ms$1":0')
    .replace(/^Content-Length: \d+$/i, "Content-Length: N")
    .replace(/%22ms%22%3A\d+/g, "%22ms%22%3A0");

function ask(url: string, request: { path: string; body: string; headers?: Record<string, string> }): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const sent = http.request(`${url}${request.path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...request.headers } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        const headers: string[] = [];
        for (let index = 0; index < response.rawHeaders.length; index += 2) {
          const name = response.rawHeaders[index] as string;
          if (name.toLowerCase() !== "date") headers.push(normal(`${name}: ${response.rawHeaders[index + 1] ?? ""}`));
        }
        resolve({ status: response.statusCode ?? 0, headers, body: normal(body) });
      });
      response.on("error", reject);
    });
    sent.on("error", reject);
    sent.end(request.body);
  });
}

describe("the proxy front answers as the Hono app does", () => {
  let upstream: FakeServer;
  let withFront: RunningServer;
  let withoutFront: RunningServer;
  let reply: Reply = { kind: "json", status: 500, body: { error: { message: "no reply set" } } };
  let close: () => Promise<void>;
  /** Requests the front served itself (not left to Hono). */
  let frontServed = 0;
  const logs: Record<string, Record<string, unknown>[]> = { front: [], hono: [] };

  before(async () => {
    upstream = await startFakeServer(() => reply);
    const runtime = await runtimeOverUpstream({ upstreamBaseUrl: upstream.baseUrl, apiKey: KEY, tempPrefix: "hearth-proxy-front-" });
    const { port } = runtime;
    const logger = (side: string) => {
      const record = (fields: object, message?: string): void => {
        if (message === "request") logs[side]?.push({ ...fields, ms: 0 });
      };
      return { info: record, warn: record, error: record };
    };
    const serve = async (side: "front" | "hono"): Promise<RunningServer> => {
      const options: HttpAppOptions = { port, auth: { token: TOKEN }, logger: logger(side) };
      const app = createHttpApp(options);
      app.route("/", openAiRoutes({ port, logger: logger(side) }));
      if (side === "hono") return serveHttp({ app, host: "127.0.0.1", port: 0 });
      const routes = new Map([...openAiFront({ port, logger: logger(side) })].map(([path, route]): [string, FrontRoute] => [path, { ...route, take: (body) => {
        const taken = route.take(body);
        if (taken) frontServed++;
        return taken;
      } }]));
      return serveHttp({ app, host: "127.0.0.1", port: 0, front: proxyFront({ routes, admits: frontGate(options), logger: logger(side) }) });
    };
    withFront = await serve("front");
    withoutFront = await serve("hono");
    close = async () => {
      await withFront.close();
      await withoutFront.close();
      await runtime.close();
      await upstream.close();
    };
  });
  after(() => close());

  /** Both gateways' answers and log lines for one request; whether the front served it. */
  async function both(request: { path: string; body: string; headers?: Record<string, string> }): Promise<{ front: Seen; hono: Seen; served: boolean }> {
    const before = frontServed;
    logs.front = [];
    logs.hono = [];
    const front = await ask(withFront.url, request);
    const hono = await ask(withoutFront.url, request);
    // The line is written once the response has closed.
    for (let wait = 0; wait < 100 && (logs.front.length === 0 || logs.hono.length === 0); wait++) await new Promise((done) => setTimeout(done, 10));
    assert.deepEqual(logs.front, logs.hono, "the same log line");
    assert.equal(logs.front.length, 1);
    assert.equal(logs.front[0]?.status, front.status, "the line says the status that went out");
    return { front, hono, served: frontServed > before };
  }

  for (const item of corpus) {
    for (const [endpoint, path] of [["chat", "/v1/chat/completions"], ["responses", "/v1/responses"]] as const) {
      for (const stream of [true, false]) {
        test(`${item.name}: ${endpoint}, ${stream ? "streamed" : "whole"}`, async () => {
          reply = item.reply;
          const body = endpoint === "chat" ? { model: "up/m", stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: "user", content: "hi" }] } : { model: "up/m", stream, input: "hi" };
          const { front, hono, served } = await both({ path, body: JSON.stringify(body) });
          assert.ok(served, "the front served it");
          assert.deepEqual(front, hono);
          assert.ok(!front.body.includes("sk-front") && !front.body.includes(KEY), "the echoed key is masked");
        });
      }
    }
  }

  const leftToHono: { name: string; path?: string; body: string; headers?: Record<string, string>; status: number }[] = [
    { name: "a body that is not JSON", body: "{not json", status: 400 },
    { name: "an unknown model", body: JSON.stringify({ model: "nowhere/x", messages: [{ role: "user", content: "hi" }] }), status: 404 },
    { name: "a refused field", body: JSON.stringify({ model: "up/m", logprobs: true, messages: [{ role: "user", content: "hi" }] }), status: 400 },
    { name: "no token", body: JSON.stringify({ model: "up/m", messages: [{ role: "user", content: "hi" }] }), headers: { authorization: "" }, status: 401 },
    { name: "a Host it does not answer to", body: JSON.stringify({ model: "up/m", messages: [{ role: "user", content: "hi" }] }), headers: { host: "evil.example" }, status: 421 },
    { name: "a web page of another origin", body: JSON.stringify({ model: "up/m", messages: [{ role: "user", content: "hi" }] }), headers: { origin: "http://evil.example" }, status: 403 },
    { name: "a query string", path: "/v1/chat/completions?x=1", body: JSON.stringify({ model: "up/m", messages: [{ role: "user", content: "hi" }] }), status: 200 },
  ];
  for (const item of leftToHono) {
    test(`left to Hono: ${item.name}`, async () => {
      reply = frames({ text: "Hello." });
      const { front, hono, served } = await both({ path: item.path ?? "/v1/chat/completions", body: item.body, ...(item.headers ? { headers: item.headers } : {}) });
      assert.equal(served, false, "the front left it to Hono");
      // The unknown-Host refusal names the port it was reached on: the front's and Hono's own differ here.
      const samePorts = (reply: typeof front) => ({ ...reply, body: reply.body.replace(/(127\.0\.0\.1|localhost):\d+/g, "$1:PORT") });
      assert.deepEqual(samePorts(front), samePorts(hono));
      assert.equal(front.status, item.status, front.body);
    });
  }
});

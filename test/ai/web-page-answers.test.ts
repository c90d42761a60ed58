import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { requestJson } from "../../src/ai/http/get-json.js";
import { createAnthropicMessagesAdapter } from "../../src/ai/providers/anthropic-messages/index.js";
import { createOllamaAdapter } from "../../src/ai/providers/ollama/index.js";
import { createOpenAICompletionsAdapter } from "../../src/ai/providers/openai-completions/index.js";
import { createOpenAIResponsesAdapter } from "../../src/ai/providers/openai-responses/index.js";
import { quickReachability } from "../../src/models/reachability.js";
import type { ProviderAdapter } from "../../src/ai/adapter.js";
import type { Api } from "../../src/ai/api.js";
import { modelSpec, run } from "./adapter-contract.js";

/** Apache's own 404 page, as a program that took the model server's port answers every path. */
const APACHE_404 =
  '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p><hr><address>Apache/2.4.57 (Debian)</address></body></html>';

type Play = "html404" | "html200" | "garbage" | "html-no-type" | "proxy403" | "proxy502";

/** A program on 127.0.0.1 that is not a model server: what it answers is set per test. */
describe("an address held by a program that is not a model server (t19 #4, #5)", () => {
  let server: Server;
  let base: string;
  let host: string;
  let play: Play = "html404";
  let http: HttpClient;
  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (play === "html404") {
        response.writeHead(404, { "content-type": "text/html; charset=iso-8859-1" });
        response.end(APACHE_404);
      } else if (play === "html-no-type") {
        response.writeHead(404);
        response.end(APACHE_404);
      } else if (play === "proxy403" || play === "proxy502") {
        const status = play === "proxy403" ? 403 : 502;
        const title = play === "proxy403" ? "403 Forbidden" : "502 Bad Gateway";
        response.writeHead(status, { "content-type": "text/html", server: "nginx" });
        response.end(`<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`);
      } else if (play === "html200") {
        response.writeHead(200, { "content-type": "text/html", server: "nginx/1.24.0" });
        response.end("<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>");
      } else {
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"choices": [ garbage ###');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}`;
    http = new HttpClient();
  });
  after(async () => {
    http.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const adapters: [Api, (http: HttpClient) => ProviderAdapter, string][] = [
    ["openai-completions", (client) => createOpenAICompletionsAdapter({ http: client }), "/v1"],
    ["openai-responses", (client) => createOpenAIResponsesAdapter({ http: client }), "/v1"],
    ["anthropic-messages", (client) => createAnthropicMessagesAdapter({ http: client }), ""],
    ["ollama", (client) => createOllamaAdapter({ http: client }), ""],
  ];

  for (const [api, create, path] of adapters) {
    test(`${api}: an HTML 404 page is no model-not-found, and none of its markup is in the words`, async () => {
      for (const each of ["html404", "html-no-type"] as const) {
        play = each;
        const { failure } = await run(create(http), modelSpec(api, `${base}${path}`, { local: true, apiKey: undefined }));
        assert.ok(failure, each);
        assert.equal(failure.kind, "no-endpoint", `${each}: the wrong program answered, the model may well exist`);
        assert.equal(failure.webPage, true);
        assert.doesNotMatch(`${failure.message} ${failure.detail ?? ""}`, /<|>/, `${each}: no markup`);
        assert.match(failure.message, new RegExp(`the server at ${host.replace(/\./g, "\\.")} answered POST /`), each);
        assert.match(failure.message, /HTML page \("404 Not Found"\), served by Apache\/2\.4\.57 \(Debian\): it is not a model server/, each);
        assert.match(failure.message, /check the provider's baseUrl \(its host and port\)/, each);
      }
    });
  }

  test("a 200 web page (nginx's welcome) is named by its server header, not read as a stream", async () => {
    play = "html200";
    const { failure } = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", `${base}/v1`, { local: true, apiKey: undefined }));
    assert.equal(failure?.kind, "no-endpoint");
    assert.match(failure?.message ?? "", /answered POST \/v1\/chat\/completions 200 with an HTML page \("Welcome to nginx!"\), served by nginx\/1\.24\.0/);
  });

  test("a proxy's 403 or 502 page in front of a model server is judged by its status, in words, never its markup", async () => {
    const adapter = createOpenAICompletionsAdapter({ http });
    const model = modelSpec("openai-completions", `${base}/v1`, { local: true, apiKey: undefined });
    play = "proxy403";
    const refused = (await run(adapter, model)).failure;
    assert.equal(refused?.kind, "auth");
    assert.equal(refused?.message, 'test/model-x: POST /v1/chat/completions answered 403: an HTML page ("403 Forbidden"), served by nginx');
    play = "proxy502";
    const down = (await run(adapter, model)).failure;
    assert.equal(down?.kind, "server-error");
    assert.equal(down?.message, 'test/model-x: POST /v1/chat/completions answered 502: an HTML page ("502 Bad Gateway"), served by nginx');
  });

  test("a 200 whose body is not JSON is not called JSON (t19 #5)", async () => {
    play = "garbage";
    const { failure } = await run(createOpenAICompletionsAdapter({ http }), modelSpec("openai-completions", `${base}/v1`, { local: true, apiKey: undefined }));
    assert.equal(failure?.kind, "server-error");
    assert.doesNotMatch(failure?.message ?? "", /with JSON instead/);
    assert.match(failure?.message ?? "", /answered 200 with a body that is not JSON \(though its content-type says JSON\) instead of a stream: \{"choices": \[ garbage ###/);
  });

  test("the listing look (setup, probe, discover, doctor) says the same, without markup", async () => {
    play = "html404";
    const answer = await requestJson(http, `${base}/v1/models`);
    assert.equal(answer.ok, false);
    if (answer.ok) return;
    assert.equal(answer.failure.kind, "no-endpoint");
    assert.doesNotMatch(answer.failure.message, /<|>/);
    assert.match(answer.failure.message, /the server at .* answered GET \/v1\/models 404 with an HTML page \("404 Not Found"\), served by Apache/);
    const look = await quickReachability(http).look(modelSpec("openai-completions", `${base}/v1`, { local: true, apiKey: undefined }));
    assert.equal(look.state, "error");
    assert.doesNotMatch(`${look.message} ${look.fix ?? ""}`, /<|>/);
    assert.match(look.message, /GET \/v1\/models 404 with an HTML page \("404 Not Found"\), served by Apache/);
    assert.equal(look.state === "error" ? look.notModelServer : undefined, true);
    assert.match(look.fix ?? "", /check the provider's baseUrl \(its host and port\)/);
    play = "html200";
    const page = await requestJson(http, `${base}/v1/models`);
    assert.equal(page.ok, false, "a 200 web page is no listing either");
  });
});

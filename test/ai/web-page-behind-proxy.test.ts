// s24 review #2: a real model server behind a proxy (nginx) or a web framework (Express) answers a wrong baseUrl
// path with a web page. The words give the path's fix first where the baseUrl's shape says so, both
// possibilities where the page or the path hints at the path, and "not a model server" only where nothing does.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

const NGINX_404 = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';
const expressPage = (method: string, path: string): string =>
  `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${method} ${path}</pre>\n</body>\n</html>\n`;

/** An OpenAI-style model server under /v1 behind nginx, which answers every other path with its HTML 404. */
function proxied(): Server {
  return createServer((request, response) => {
    request.resume();
    const path = (request.url ?? "/").split("?")[0];
    if (path === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json", server: "nginx/1.24.0" });
      response.end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
    } else if (path === "/v1/chat/completions") {
      response.writeHead(200, { "content-type": "text/event-stream", server: "nginx/1.24.0" });
      const chunk = (delta: object, finish: string | null): string => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      response.end(`${chunk({ role: "assistant", content: "behind the proxy" }, null)}${chunk({}, "stop")}data: [DONE]\n\n`);
    } else {
      response.writeHead(404, { "content-type": "text/html", server: "nginx/1.24.0" });
      response.end(NGINX_404);
    }
  });
}

/** An Express app without the API's routes: "Cannot POST /…" for every path, as Express's default 404 page. */
function express(): Server {
  return createServer((request, response) => {
    request.resume();
    response.writeHead(404, { "content-type": "text/html; charset=utf-8", "x-powered-by": "Express", "content-security-policy": "default-src 'none'" });
    response.end(expressPage(request.method ?? "GET", (request.url ?? "/").split("?")[0] ?? "/"));
  });
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe("a web page from a proxy or framework at a wrong baseUrl path (s24 review #2)", () => {
  const temp = tempDir();
  const servers: Server[] = [];
  let proxy: string;
  let app: string;
  before(async () => {
    servers.push(proxied(), express());
    proxy = await listen(servers[0] as Server);
    app = await listen(servers[1] as Server);
  });
  after(async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    temp.cleanup();
  });
  const configAt = (name: string, baseUrl: string): string =>
    temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
  const env = (name: string): Record<string, string> => ({ HOME: temp.dir, HEARTH_STATE_DIR: join(temp.dir, `state-${name}`) });

  test("nginx in front of the model server, baseUrl without /v1: the probe and a turn say to set it to …/v1, not 'not a model server'", async () => {
    const file = configAt("proxy", proxy);
    const probe = await runCli(["models", "status", "--probe", "--config", file], { env: env("proxy") });
    const probed = `${probe.stdout}${probe.stderr}`;
    assert.doesNotMatch(probed, /is not a model server:|another program holds that port —|<html|<center/i, probed);
    assert.match(probed, new RegExp(`answered GET /models 404 with an HTML page \\("404 Not Found"\\), served by nginx/1\\.24\\.0: the baseUrl's path is probably wrong`), probed);
    assert.ok(probed.includes(`set models.providers.local.baseUrl to "${proxy}/v1"`), probed);
    const turn = await runCli(["agent", "--config", file, "-m", "Hi"], { env: env("proxy") });
    const said = `${turn.stdout}${turn.stderr}`;
    assert.notEqual(turn.code, 0, said);
    assert.doesNotMatch(said, /it is not a model server|another program holds that port —/i, said);
    assert.match(said, /answered POST \/chat\/completions 404 with an HTML page \("404 Not Found"\), served by nginx\/1\.24\.0: the baseUrl's path is probably wrong/, said);
    assert.ok(said.includes(`set the provider's baseUrl to "${proxy}/v1"`), said);
    // The advice is right: at …/v1 the model server behind the proxy answers.
    const fixed = await runCli(["agent", "--config", configAt("proxy-v1", `${proxy}/v1`), "-m", "Hi"], { env: env("proxy-v1") });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /behind the proxy/);
  });

  test("Express's 'Cannot POST' page at a /v1 baseUrl: its words are quoted, and both possibilities are said in one sentence", async () => {
    const file = configAt("express", `${app}/v1`);
    const turn = await runCli(["agent", "--config", file, "-m", "Hi"], { env: env("express") });
    const said = `${turn.stdout}${turn.stderr}`;
    assert.notEqual(turn.code, 0, said);
    assert.doesNotMatch(said, /<pre>|<title>|it is not a model server|is not a model server:/i, said);
    assert.match(said, /answered POST \/v1\/chat\/completions 404 with an HTML page \("Error"\) saying "Cannot POST \/v1\/chat\/completions": the baseUrl's path is not the API's, or the server is not a model server/, said);
    assert.match(said, /either its path \("\/v1"\) is not the API's \(a proxy or web framework in front of a model server answers a path it lacks with such a page\) or another program holds that port/, said);
    const probe = await runCli(["models", "status", "--probe", "--config", file], { env: env("express") });
    const probed = `${probe.stdout}${probe.stderr}`;
    assert.match(probed, /GET \/v1\/models 404 with an HTML page \("Error"\) saying "Cannot GET \/v1\/models": the baseUrl's path is not the API's/, probed);
    assert.match(probed, /check models\.providers\.local\.baseUrl: either its path/, probed);
  });
});

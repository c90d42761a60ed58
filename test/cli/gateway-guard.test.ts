// The real `bin/hearth gateway` process: other websites cannot drive a default gateway (Origin, Host),
// and a config edit that cannot be loaded shows on the page's setup list (and its live event) until a
// good edit clears it.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

/** Answers "<text>" to every chat request and lists its one model (so the setup check finds the server up). */
function modelServer(text: string): Promise<FakeServer> {
  const chat = scriptedModel("openai-completions", () => ({ text }));
  return startFakeServer((request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : chat(request)));
}

function config(baseUrl: string, apiKey = "lmstudio", gateway = ""): string {
  return `{ ${gateway}
    agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", apiKey: "${apiKey}", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

/** A request over a real connection with exactly these headers (node:http: fetch cannot set Host). */
function send(url: string, options: { method?: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: Number(new URL(url).port), method: options.method ?? "GET", path: options.path, headers: options.headers }, (incoming) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (body += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body, headers: incoming.headers }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

describe("hearth gateway against other websites, and a config edit that cannot be loaded", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const launch = async (file: string, name: string): Promise<RunningGateway> => {
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, `${name}-state`) });
    gateways.push(gateway);
    return gateway;
  };

  test("a default gateway: another origin's text/plain POST is refused (403), a rebound Host too (421); curl-like clients and the own page work", async () => {
    const server = await modelServer("the answer");
    servers.push(server);
    const gateway = await launch(temp.write("guard.json5", config(server.baseUrl)), "guard");
    const host = new URL(gateway.url).host;
    const completion = JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "hi" }] });

    const csrf = await send(gateway.url, { method: "POST", path: "/v1/chat/completions", headers: { host, origin: "http://evil.example", "content-type": "text/plain" }, body: completion });
    assert.equal(csrf.status, 403);
    assert.match(csrf.body, /gateway\.cors\.origins/);
    assert.match(csrf.body, /"type":"permission_error"/);
    const turn = await send(gateway.url, { method: "POST", path: "/api/sessions/csrf/messages", headers: { host, origin: "http://evil.example", "content-type": "text/plain" }, body: JSON.stringify({ text: "hi" }) });
    assert.equal(turn.status, 403);
    const rebound = await send(gateway.url, { path: "/api/sessions", headers: { host: `evil.example:${new URL(gateway.url).port}` } });
    assert.equal(rebound.status, 421);
    assert.match(rebound.body, /DNS rebinding/);
    assert.equal(server.requests.filter((recorded) => recorded.path.endsWith("/chat/completions")).length, 0, "no turn reached the model");
    assert.equal((await send(gateway.url, { path: "/health", headers: { host: "evil.example" } })).status, 200);

    const plain = await send(gateway.url, { method: "POST", path: "/v1/chat/completions", headers: { host, "content-type": "application/json" }, body: completion });
    assert.equal(plain.status, 200, plain.body);
    assert.match(plain.body, /the answer/);
    const own = await send(gateway.url, { method: "POST", path: "/v1/chat/completions", headers: { host, origin: gateway.url, "content-type": "application/json" }, body: completion });
    assert.equal(own.status, 200, own.body);
    assert.equal((await send(gateway.url, { path: "/api/sessions", headers: { host: `localhost:${new URL(gateway.url).port}` } })).status, 200);
  });

  // s19 review #10: such a config failed to load once origins were compared exactly, so the upgraded gateway did not start.
  test("origins spelled otherwise than a browser sends them (uppercase, a default port): the gateway starts, lets those pages in, and says the spelling to write", async () => {
    const server = await modelServer("hi");
    servers.push(server);
    const origins = 'gateway: { auth: { token: "a-token-of-sixteen-chars" }, cors: { origins: ["http://LocalHost:5173", "https://x.example:443"] } },';
    const gateway = await launch(temp.write("origins.json5", config(server.baseUrl, "lmstudio", origins)), "origins");
    await gateway.waitFor(/gateway\.cors\.origins\[1\]/, "stderr");
    const warned = gateway.stderr();
    assert.match(warned, /origins\.json5:\d+:\d+: warning: gateway\.cors\.origins\[0\]: "http:\/\/LocalHost:5173" is read as "http:\/\/localhost:5173", as a browser sends it \(the gateway compares the Origin header exactly\): write "http:\/\/localhost:5173"/);
    assert.match(warned, /gateway\.cors\.origins\[1\]: "https:\/\/x\.example:443" is read as "https:\/\/x\.example".*: write "https:\/\/x\.example"/);
    const host = new URL(gateway.url).host;
    for (const origin of ["http://localhost:5173", "https://x.example"]) {
      const page = await send(gateway.url, { path: "/api/sessions", headers: { host, origin, authorization: "Bearer a-token-of-sixteen-chars" } });
      assert.equal(page.status, 200, page.body);
      assert.equal(page.headers["access-control-allow-origin"], origin);
    }
    const other = await send(gateway.url, { path: "/api/sessions", headers: { host, origin: "http://localhost:5174", authorization: "Bearer a-token-of-sixteen-chars" } });
    assert.equal(other.status, 403);
  });

  test("a syntax error or an unset ${VAR}: /api/status's setup says the file could not be loaded (where, what) and a setup event goes out; a good edit clears both", async () => {
    const server = await modelServer("hi");
    servers.push(server);
    const file = temp.write("reload.json5", config(server.baseUrl));
    const gateway = await launch(file, "reload");
    const setup = async () => ((await (await fetch(`${gateway.url}/api/status`)).json()) as { setup: string[] }).setup;
    assert.deepEqual(await setup(), []);
    const events = await openSse(`${gateway.url}/api/events`);
    await events.next((message) => message.event === "setup");
    const nextSetup = async (): Promise<string[]> => (JSON.parse((await events.next((message) => message.event === "setup")).data) as { problems: string[] }).problems;

    writeFileSync(file, `{\n  agents: { defaults: { model: { primary: "local/m" } } },,\n}\n`);
    await gateway.waitFor(/config reload failed, the old config keeps serving/, "stderr");
    const broken = await nextSetup();
    assert.equal(broken.length, 1, JSON.stringify(broken));
    assert.match(broken[0] ?? "", /^the config file could not be loaded: .*reload\.json5:2:\d+: syntax error: invalid character ','.* the previous config keeps serving until the file is fixed$/);
    assert.deepEqual(await setup(), broken);

    writeFileSync(file, config(server.baseUrl, "${HEARTH_TEST_UNSET_KEY}"));
    const unset = await nextSetup();
    assert.match(unset[0] ?? "", /^the config file could not be loaded: .*reload\.json5 has 1 problem: .*reload\.json5:3:\d+: models\.providers\.local\.apiKey: environment variable HEARTH_TEST_UNSET_KEY is not set/);
    assert.deepEqual(await setup(), unset);
    // The old config still answers meanwhile.
    assert.equal((await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "still there?" }] }) })).status, 200);

    writeFileSync(file, config(server.baseUrl));
    await gateway.waitFor(/config reloaded/);
    assert.deepEqual(await nextSetup(), []);
    assert.deepEqual(await setup(), []);
    events.close();
  });
});

// t8 #2: with tools.web_fetch.allowPrivateNetwork a steered model fetched the gateway's own API
// (http://localhost:18811/api/sessions, then a whole transcript) — every conversation, on any channel.
// hearth's own gateway is never fetched, whatever that setting says: by address, by name, or by a redirect.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { ToolContext } from "../../src/agent/tools/tool.js";
import { createWebFetchTool } from "../../src/agent/tools/web-fetch.js";

const wrap = (text: string): string => text;
let stateDir = "";
let gateway: Server;
let other: Server;
let gatewayPort = 0;
let otherPort = 0;
const gatewayHits: string[] = [];

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "hearth-fetch-gateway-"));
  gateway = createServer((request, response) => {
    gatewayHits.push(request.url ?? "");
    response.writeHead(200, { "content-type": "application/json" }).end('{"sessions":[{"session":"someone-else"}]}');
  });
  gatewayPort = await listen(gateway);
  other = createServer((request, response) => {
    if (request.url === "/to-gateway") response.writeHead(302, { location: `http://127.0.0.1:${gatewayPort}/api/sessions` }).end();
    else response.writeHead(200, { "content-type": "text/plain" }).end("a page on this machine");
  });
  otherPort = await listen(other);
  // What a running gateway of this state dir records where it listens.
  mkdirSync(join(stateDir, "gateway.listening"), { recursive: true });
  writeFileSync(join(stateDir, "gateway.listening", "4242.json"), JSON.stringify({ url: `http://127.0.0.1:${gatewayPort}`, pid: 4242, startedAt: Date.now() }));
});
after(async () => {
  for (const server of [gateway, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(stateDir, { recursive: true, force: true });
});

const context = (): ToolContext => ({ signal: new AbortController().signal, stateDir, settings: { webFetch: { allowPrivateNetwork: true, timeoutSeconds: 5 } }, untrusted: wrap });
const resolve = async (hostname: string) => (hostname === "localhost" ? [{ address: "127.0.0.1", family: 4 }] : []);

test("with allowPrivateNetwork, hearth's own gateway is still never fetched — by address, by name, through a redirect; other local pages are", async () => {
  const tool = createWebFetchTool({ resolve, ownAddresses: () => ["127.0.0.1", "::1"] });
  for (const url of [`http://127.0.0.1:${gatewayPort}/api/sessions`, `http://localhost:${gatewayPort}/api/sessions`, `http://[::ffff:127.0.0.1]:${gatewayPort}/api/sessions`]) {
    const result = await tool.run({ url }, context());
    assert.equal(result.isError, true, url);
    assert.match(result.content, new RegExp(`hearth's own gateway \\(port ${gatewayPort} of this machine\\): web_fetch never reaches it, whatever tools\\.web_fetch\\.allowPrivateNetwork says`), url);
  }
  const redirected = await tool.run({ url: `http://127.0.0.1:${otherPort}/to-gateway` }, context());
  assert.equal(redirected.isError, true);
  assert.match(redirected.content, /hearth's own gateway/);
  assert.deepEqual(gatewayHits, [], "the gateway got no request");
  // Another server on this machine is reached, as allowPrivateNetwork says.
  const page = await tool.run({ url: `http://127.0.0.1:${otherPort}/page` }, context());
  assert.equal(page.isError, false, page.content);
  assert.match(page.content, /a page on this machine/);
});

// Replay of t13 (#4): `app://obsidian.md` added to gateway.cors.origins of a running gateway — "restart needed:
// gateway.cors.origins changed" — and the 403 still said "add it to gateway.cors.origins". A refusal whose fix is
// already in the config (waiting for the restart) says so, and how this gateway is restarted: the origin, a host
// name, the token set or changed, a raised body limit. The real `bin/hearth gateway` process, its config edited.
import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { openSse } from "../helpers/sse-client.js";

const OLD_TOKEN = "old-token-0123456789abcdef";
const NEW_TOKEN = "new-token-0123456789abcdef";

/** A request over a real connection with exactly these headers (node:http: fetch cannot set Host). */
function send(url: string, options: { method?: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: Number(new URL(url).port), method: options.method ?? "GET", path: options.path, headers: options.headers }, (incoming) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => (body += chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, message: (JSON.parse(body) as { error?: { message: string } }).error?.message ?? body }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

describe("a refusal whose fix is in the config, waiting for the gateway's restart", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    temp.cleanup();
  });

  test("an origin, a host name and raised limits added since the start: each refusal says it is in the config and applies at the next restart", async () => {
    const file = temp.write("edits.json5", `{ gateway: { limits: { maxBodyBytes: 2048, maxEventSubscribers: 1 } } }`);
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "edits-state") });
    gateways.push(gateway);
    const host = new URL(gateway.url).host;
    const before = await send(gateway.url, { path: "/v1/models", headers: { host, origin: "app://obsidian.md" } });
    assert.equal(before.status, 403);
    assert.match(before.message, /add "app:\/\/obsidian\.md" to gateway\.cors\.origins/, "before the edit, the fix is to add it");

    temp.write("edits.json5", `{ gateway: { cors: { origins: ["app://obsidian.md"] }, allowedHosts: ["studio.local"], limits: { maxBodyBytes: 65536, maxEventSubscribers: 50 } } }`);
    await gateway.waitFor(/restart needed: gateway\.cors\.origins/, "stderr");

    const origin = await send(gateway.url, { path: "/v1/models", headers: { host, origin: "app://obsidian.md" } });
    assert.equal(origin.status, 403, "the running gateway still refuses it");
    assert.doesNotMatch(origin.message, /add "app:\/\/obsidian\.md"/);
    assert.equal(origin.message, `a web page of another origin (app://obsidian.md) may not call this gateway yet: "app://obsidian.md" was added to gateway.cors.origins in the config since the gateway started, which applies it at its next restart (stop the gateway and start it again)`);
    // The preflight the browser sends first gets the same words.
    const preflight = await send(gateway.url, { method: "OPTIONS", path: "/v1/chat/completions", headers: { host, origin: "app://obsidian.md", "access-control-request-method": "POST" } });
    assert.equal(preflight.message, origin.message);
    // An origin the config does not hold keeps the fix to follow.
    assert.match((await send(gateway.url, { path: "/v1/models", headers: { host, origin: "app://other.md" } })).message, /add "app:\/\/other\.md" to gateway\.cors\.origins/);

    const named = await send(gateway.url, { path: "/v1/models", headers: { host: `studio.local:${new URL(gateway.url).port}` } });
    assert.equal(named.status, 421);
    assert.equal(named.message, `this gateway does not answer to the host name "studio.local:${new URL(gateway.url).port}" yet: "studio.local" was added to gateway.allowedHosts in the config since the gateway started, which applies it at its next restart (stop the gateway and start it again)`);

    const body = JSON.stringify({ model: "x", messages: [{ role: "user", content: "a".repeat(4000) }] });
    const large = await send(gateway.url, { method: "POST", path: "/v1/chat/completions", headers: { host, "content-type": "application/json" }, body });
    assert.equal(large.status, 413);
    assert.equal(large.message, "the request body is larger than the gateway's limit of 2048 bytes (gateway.limits.maxBodyBytes); the config raises gateway.limits.maxBodyBytes to 65536 since the gateway started, which applies it at its next restart (stop the gateway and start it again)");

    const page = await openSse(`${gateway.url}/api/events`);
    try {
      const second = await fetch(`${gateway.url}/api/events`);
      assert.equal(second.status, 503);
      assert.equal(((await second.json()) as { error: { message: string } }).error.message, "too many live event streams: this gateway serves at most 1 /api/events connections at once (gateway.limits.maxEventSubscribers); close some pages; the config raises gateway.limits.maxEventSubscribers to 50 since the gateway started, which applies it at its next restart (stop the gateway and start it again)");
    } finally {
      page.close();
    }
  });

  test("the token: set since a start without one (Origin: null), changed (the new one sent), removed (none sent); as the service, restarted with `hearth gateway restart`", async () => {
    const file = temp.write("token.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "token-state"), HOME: join(temp.dir, "home") };
    const untokened = await startGateway(["--config", file], env);
    gateways.push(untokened);
    const host = new URL(untokened.url).host;
    temp.write("token.json5", `{ gateway: { auth: { token: "${NEW_TOKEN}" } } }`);
    await untokened.waitFor(/restart needed: gateway\.auth\.token/, "stderr");
    const framed = await send(untokened.url, { path: "/v1/models", headers: { host, origin: "null" } });
    assert.equal(framed.status, 403);
    assert.doesNotMatch(framed.message, /set gateway\.auth\.token in the config/);
    assert.match(framed.message, /gateway\.auth\.token was set in the config since the gateway started, which applies it at its next restart \(stop the gateway and start it again\); then have the client send it/);
    await untokened.stop();

    const serviceFile = temp.write("service.json5", `{ gateway: { auth: { token: "${OLD_TOKEN}" } } }`);
    const service = await startGateway(["--config", serviceFile], { ...env, HEARTH_SERVICE: "systemd", HEARTH_STATE_DIR: join(temp.dir, "service-state") });
    gateways.push(service);
    const serviceHost = new URL(service.url).host;
    temp.write("service.json5", `{ gateway: { auth: { token: "${NEW_TOKEN}" } } }`);
    await service.waitFor(/restart needed: gateway\.auth\.token/, "stderr");
    const sentNew = await send(service.url, { path: "/v1/models", headers: { host: serviceHost, authorization: `Bearer ${NEW_TOKEN}` } });
    assert.equal(sentNew.status, 401);
    // As the user ran it (`./bin/hearth --config … gateway restart` here).
    const restart = `\`./bin/hearth --config ${serviceFile} gateway restart\``;
    assert.equal(sentNew.message, `this gateway needs the token it started with: the one sent is gateway.auth.token as the config holds it now, changed since the gateway started, which applies it at its next restart (${restart})`);
    const sentOther = await send(service.url, { path: "/v1/models", headers: { host: serviceHost, authorization: "Bearer something-else-entirely" } });
    assert.equal(sentOther.message, "the token sent (Authorization: Bearer …) is not this gateway's: send its gateway.auth.token (a client set up for LM Studio or OpenAI sends it as its API key)", "a wrong token is told nothing of the config's");
    assert.equal((await send(service.url, { path: "/v1/models", headers: { host: serviceHost, authorization: `Bearer ${OLD_TOKEN}` } })).status, 200);

    temp.write("service.json5", `{ agents: { defaults: { maxSteps: 8 } } }`);
    await service.waitFor(/restart needed: gateway\.auth\.token changed in the config since the gateway started \(removed\)/, "stderr");
    const sentNone = await send(service.url, { path: "/v1/models", headers: { host: serviceHost } });
    assert.equal(sentNone.status, 401);
    assert.equal(sentNone.message, `this gateway needs the token it started with (Authorization: Bearer …): gateway.auth.token was removed from the config since the gateway started, which applies it at its next restart (${restart})`);
    for (const output of [sentNew.message, sentNone.message, service.stdout(), service.stderr()]) assert.ok(!output.includes(NEW_TOKEN) && !output.includes(OLD_TOKEN), "no token is shown");
  });
});

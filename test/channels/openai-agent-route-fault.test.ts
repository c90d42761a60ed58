// A fault in hearth while choosing and calling a model, in agent mode over the real gateway: here an install
// whose openai-completions adapter module is missing (an update cut short), so the router's call throws
// "Cannot find module" — the fault the router tests inject with an adapter source that rejects. Proxy mode
// answered it 500 internal_error; agent mode failed the turn as if the models had (a 400
// context_length_exceeded, its attempts being none). Now the turn fails with the cause "fault": a 500
// internal_error in OpenAI's error shape, the session entry says "fault", and the session reads back.
import assert from "node:assert/strict";
import { cpSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import type { GatewayPort } from "../../src/gateway/port.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { ROUTE_FAULT } from "../../src/models/router-events.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGatewayOf, type RunningGateway } from "../helpers/run-gateway.js";
import { serveApp, testGateway } from "../helpers/test-gateway.js";

describe("a route broken by a fault in hearth, in agent mode over the gateway", { timeout: 60_000 }, () => {
  const temp = tempDir("hearth-route-fault-");
  const install = join(temp.dir, "install");
  const state = join(temp.dir, "state");
  let server: FakeServer;
  let gateway: RunningGateway;

  before(async () => {
    // A copy of this install (the modules tsc wrote; no bundle), its openai-completions adapter gone.
    for (const part of ["bin", "dist", "package.json"]) cpSync(join(repoRoot, part), join(install, part), { recursive: true });
    symlinkSync(realpathSync(join(repoRoot, "node_modules")), join(install, "node_modules"));
    rmSync(join(install, "dist/bundle"), { recursive: true, force: true });
    rmSync(join(install, "dist/ai/providers/openai-completions/index.js"));
    server = await startFakeServer(() => ({ kind: "json", status: 500, body: { error: { message: "this server is never called" } } }));
    const config = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
    gateway = await startGatewayOf({ bin: join(install, "bin/hearth"), args: ["--port", "0", "--config", config], env: { HEARTH_STATE_DIR: state } });
  });
  after(async () => {
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("the client gets a 500 internal_error (not retried), the entry records the cause 'fault', and the session reads back", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0, defaultHeaders: { "x-hearth-session": "broken-install" } });
    const failed = await client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hello?" }] }).then(
      () => assert.fail("a turn whose route broke on a fault was answered"),
      (error: unknown) => error,
    );
    assert.ok(failed instanceof OpenAI.InternalServerError, String(failed));
    assert.equal(failed.status, 500);
    assert.equal(failed.code, "internal_error");
    assert.equal(failed.type, "server_error");
    assert.equal(failed.headers.get("x-should-retry"), "false");
    assert.match(failed.message, new RegExp(`^500 ${ROUTE_FAULT.replace(/[()]/g, "\\$&")}`));
    assert.doesNotMatch(failed.message, /Cannot find module|\/install\//, "what the fault was goes to the log alone");
    // A stream that had not begun is told the same way.
    const streamed = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "broken-install" }, body: JSON.stringify({ model: "hearth", stream: true, messages: [{ role: "user", content: "again?" }] }) });
    assert.equal(streamed.status, 500);
    const said = (await streamed.json()) as { error: { message: string; type: string; code: string; param: unknown } };
    assert.deepEqual({ type: said.error.type, code: said.error.code, param: said.error.param }, { type: "server_error", code: "internal_error", param: null });
    assert.deepEqual(server.requests.filter((request) => request.method === "POST"), [], "no model was called (its server was only asked about its context)");
    // The log has what it was.
    await gateway.waitFor(/a fault in hearth while choosing and calling a model: Error \[ERR_MODULE_NOT_FOUND\]: Cannot find module/, "stderr");
    await gateway.stop();

    const warnings: string[] = [];
    const reloaded = await new JsonlSessionStore(state, { onWarning: (message) => warnings.push(message) }).read("broken-install");
    const ends = reloaded.entries.filter((entry) => entry.type === "turn-failed");
    assert.deepEqual(ends.map((entry) => ({ cause: entry.cause, error: entry.error })), [{ cause: "fault", error: ROUTE_FAULT }, { cause: "fault", error: ROUTE_FAULT }]);
    assert.deepEqual(reloaded.damaged, []);
    assert.deepEqual(warnings, []);
    assert.match(readFileSync(join(state, "sessions", "broken-install.jsonl"), "utf8"), /"cause":"fault"/);
  });
});

test("a fault after the stream showed text is still a fault (500 internal_error), not a model that broke off mid-answer; the words shown are kept, cut off", async () => {
  const server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time there was a fault" }) }));
  const gateway = await testGateway(`{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
  // The gateway's own listener of the turn throws once the answer's first words went out (a fault in hearth, as a throw in its masking of secrets would be).
  const port: GatewayPort = {
    ...gateway.port,
    handle: (inbound) =>
      gateway.port.handle({
        ...inbound,
        onEvent: (event) => {
          inbound.onEvent?.(event);
          if (event.type === "text-delta") throw new TypeError("Cannot read properties of undefined (reading 'mask')");
        },
      }),
  };
  const served = await serveApp(new Hono().route("/", openAiRoutes({ port, logger: { info: () => undefined, warn: () => undefined } })));
  try {
    const client = new OpenAI({ baseURL: `${served.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const chat = await client.chat.completions.create({ model: "hearth", stream: true, messages: [{ role: "user", content: "Tell me a story" }] }, { headers: { "x-hearth-session": "mid-answer" } });
    let shown = "";
    await assert.rejects(
      (async () => {
        for await (const chunk of chat) shown += chunk.choices[0]?.delta.content ?? "";
      })(),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError, String(error));
        assert.equal(error.code, "internal_error", error.message);
        assert.equal(error.message, ROUTE_FAULT);
        return true;
      },
    );
    assert.ok(shown.length > 0, "text went out before the fault");
    // The words the stream showed are kept as the turn's answer, cut off (docs/agent.md, `fault`): no word shown is lost.
    const ended = (await gateway.store.read("mid-answer")).entries.at(-1);
    assert.equal(ended?.type, "assistant");
    if (ended?.type !== "assistant") return;
    assert.equal(ended.message.stopReason, "error");
    assert.equal(ended.message.content.map((part) => (part.type === "text" ? part.text : "")).join(""), shown);
  } finally {
    await served.close();
    await gateway.close();
    await server.close();
  }
});

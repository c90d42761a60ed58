// A trial found GET /v1/models (and LM Studio's listing, and a 404's "choose one of") naming 343 models,
// most of them the built-in catalog's hosted models whose keys were not set: a client picking one got an
// error. The listings now hold the config's own models and the catalog's that can be called.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Hono } from "hono";
import OpenAI from "openai";
import { openAiRoutes } from "../../src/channels/http/openai/routes.js";
import { serveApp, testGateway, type TestGateway } from "../helpers/test-gateway.js";

describe("the model listings leave out the catalog's models that have no key", () => {
  let gateway: TestGateway;
  let url = "";
  let close: () => Promise<void> = async () => undefined;
  before(async () => {
    // mode "merge": the built-in catalog's hosted models are known beside the config's own; no key is set.
    gateway = await testGateway(`{
      agents: { defaults: { model: { primary: "local/m", fallbacks: ["anthropic/claude-opus-4-5"] }, models: { "local/m": { alias: "Local" } } } },
      models: { mode: "merge", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } },
    }`);
    const served = await serveApp(new Hono().route("/", openAiRoutes({ port: gateway.port, logger: { info: () => undefined, warn: () => undefined } })));
    url = served.url;
    close = () => served.close();
  });
  after(async () => {
    await close();
    await gateway.close();
  });

  test("GET /v1/models and LM Studio's /api/v1/models: the agents, the config's models (a keyless fallback it names too), no other keyless catalog model", async () => {
    const known = gateway.port.catalogue().models;
    const keyless = known.filter((model) => !model.listed).map((model) => model.ref);
    assert.ok(keyless.length > 10, `the catalog knows hosted models with no key set (${keyless.length})`);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "unused", maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.slice(0, 4), ["hearth", "local/m", "Local", "anthropic/claude-opus-4-5"]);
    for (const ref of keyless) assert.ok(!ids.includes(ref), `${ref} is not listed`);
    const native = (await (await fetch(`${url}/api/v1/models`)).json()) as { models: { key: string }[] };
    assert.deepEqual(native.models.map((model) => model.key), ids.filter((id) => id !== "Local"));
  });

  test("a 404's 'choose one of' names only listed models; a keyless catalog model named is still served, with the key to set", async () => {
    const unknown = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "nope/none", messages: [{ role: "user", content: "hi" }] }) });
    assert.equal(unknown.status, 404);
    const said = ((await unknown.json()) as { error: { message: string } }).error.message;
    assert.match(said, /choose one of "hearth", "local\/m", "Local", "anthropic\/claude-opus-4-5"$/);
    const keyless = gateway.port.catalogue().models.find((model) => !model.listed)?.ref ?? "";
    const named = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: keyless, messages: [{ role: "user", content: "hi" }] }) });
    assert.notEqual(named.status, 404, "still a model hearth knows");
    assert.match(((await named.json()) as { error: { message: string } }).error.message, /no API key: set /);
  });
});

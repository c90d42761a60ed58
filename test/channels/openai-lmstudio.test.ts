import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import OpenAI from "openai";
import { parseLmStudioListing } from "../../src/ai/lmstudio/listing.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { lmStudioHandler, type LmStudioModel } from "../fakes/lmstudio-server.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { apiSetup, lastBody, type ApiSetup } from "./openai-setup.js";

describe("LM Studio's native endpoints, for clients set up for LM Studio", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  test("GET /api/v1/models lists the names hearth serves, in LM Studio 0.4's shape, under the keys a client sends back", async () => {
    api = await apiSetup();
    const response = await fetch(`${api.url}/api/v1/models`);
    assert.equal(response.status, 200);
    const listed = parseLmStudioListing(await response.json());
    assert.deepEqual(listed?.map((model) => [model.id, model.loaded, model.loadedContext]), [
      ["hearth", true, 32000],
      ["hearth/helper", true, 32000],
      ["local/m1", true, 32000],
      ["backup/m2", true, 64000],
    ]);
    const served: string[] = [];
    for await (const model of api.client.models.list()) served.push(model.id);
    for (const model of listed ?? []) assert.ok(served.includes(model.id), `${model.id} is a name /v1/models serves too`);
  });

  test("GET /api/v0/models (LM Studio 0.3's REST API, for older clients) lists the same names and facts in its shape; /api/v0/models/:id one of them", async () => {
    api = await apiSetup();
    const response = await fetch(`${api.url}/api/v0/models`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { object: string; data: Record<string, unknown>[] };
    assert.equal(body.object, "list");
    for (const model of body.data) assert.deepEqual(Object.keys(model).slice(0, 9), ["id", "object", "type", "publisher", "arch", "compatibility_type", "quantization", "state", "max_context_length"]);
    // Read as hearth reads a real LM Studio 0.3's listing: the same as the v1 listing says.
    const v0 = parseLmStudioListing(body);
    const v1 = parseLmStudioListing(await (await fetch(`${api.url}/api/v1/models`)).json());
    assert.deepEqual(v0?.map((model) => [model.id, model.loaded, model.loadedContext]), v1?.map((model) => [model.id, model.loaded, model.loadedContext]));
    const one = await fetch(`${api.url}/api/v0/models/Local`);
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { id: string }).id, "local/m1", "an alias is the entry of what it names");
    const none = await fetch(`${api.url}/api/v0/models/nope`);
    assert.equal(none.status, 404);
  });

  test("every entry of GET /api/v1/models has each field LM Studio's REST reference lists, of the type it gives (null only where it allows null)", async () => {
    api = await apiSetup();
    const listing = (await (await fetch(`${api.url}/api/v1/models`)).json()) as { models: Record<string, unknown>[] };
    // lmstudio-ai/docs 1_developer/2_rest/list.md: each field's type; `architecture` and `description` "string | null", `quantization` "object | null", `format` '"gguf" | "mlx" | null', `size_bytes` "number".
    const nullOr = (check: (value: unknown) => boolean) => (value: unknown) => value === null || check(value);
    const isString = (value: unknown): boolean => typeof value === "string";
    const isNumber = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value >= 0;
    const fields: Record<string, (value: unknown) => boolean> = {
      type: (value) => value === "llm" || value === "embedding",
      publisher: isString,
      key: isString,
      display_name: isString,
      architecture: nullOr(isString),
      quantization: nullOr((value) => typeof value === "object"),
      size_bytes: isNumber,
      params_string: nullOr(isString),
      loaded_instances: Array.isArray,
      max_context_length: isNumber,
      format: nullOr((value) => value === "gguf" || value === "mlx"),
      capabilities: (value) => typeof value === "object" && value !== null && typeof (value as Record<string, unknown>).vision === "boolean" && typeof (value as Record<string, unknown>).trained_for_tool_use === "boolean",
      description: nullOr(isString),
    };
    assert.ok(listing.models.length > 0);
    for (const model of listing.models) {
      for (const [field, valid] of Object.entries(fields)) assert.ok(field in model && valid(model[field]), `${String(model.key)}.${field}: ${JSON.stringify(model[field])}`);
    }
  });

  test("every field of GET /api/v1/models is true of what the name gets: tools, context length, load state, vision", async () => {
    api = await apiSetup();
    // LM Studio has m1 loaded with a smaller context than configured, and says it was not trained for tool use.
    const models: LmStudioModel[] = [{ id: "m1", loaded: true, loadedContextLength: 8192, maxContextLength: 32000, toolUse: false }];
    api.local.setHandler(lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "ok" }) }) }));
    await api.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }] });
    const listing = (await (await fetch(`${api.url}/api/v1/models`)).json()) as { models: { key: string; type: string; max_context_length: number; loaded_instances: { config: { context_length: number } }[]; capabilities: { vision: boolean; trained_for_tool_use: boolean } }[] };
    const fields = Object.fromEntries(
      listing.models.map((model) => [model.key, { type: model.type, window: model.max_context_length, loaded: model.loaded_instances.map((instance) => instance.config.context_length), tools: model.capabilities.trained_for_tool_use, vision: model.capabilities.vision }]),
    );
    assert.deepEqual(fields, {
      // An agent runs its own tools (a client's are not used) and takes text; its window and state are its primary's.
      hearth: { type: "llm", window: 8192, loaded: [8192], tools: false, vision: false },
      "hearth/helper": { type: "llm", window: 8192, loaded: [8192], tools: false, vision: false },
      "local/m1": { type: "llm", window: 8192, loaded: [8192], tools: false, vision: false },
      "backup/m2": { type: "llm", window: 64000, loaded: [64000], tools: true, vision: false },
    });
  });

  test("a model the config says cannot take tools is not listed as trained for tool use, before any request", async () => {
    api = await apiSetup({ localExtras: "compat: { supportsTools: false }," });
    const listed = parseLmStudioListing(await (await fetch(`${api.url}/api/v1/models`)).json());
    assert.deepEqual(listed?.map((model) => [model.id, model.toolUse]), [
      ["hearth", false],
      ["hearth/helper", false],
      ["local/m1", false],
      ["backup/m2", true],
    ]);
  });

  test("a local model LM Studio has unloaded is listed without a loaded instance (as LM Studio lists it), and so is an agent whose primary it is", async () => {
    api = await apiSetup({ localExtras: 'onColdLoad: "fallback",' });
    api.local.setHandler(lmStudioHandler({ models: [{ id: "m1", loaded: false, maxContextLength: 32000 }], jit: false, loadMs: 60_000 }));
    api.backup.setHandler(scriptedModel("openai-responses", () => ({ text: "backup here" })));
    const answer = await api.client.chat.completions.create({ model: "hearth", messages: [{ role: "user", content: "hi" }] });
    assert.equal(answer.model, "backup/m2");
    const listed = parseLmStudioListing(await (await fetch(`${api.url}/api/v1/models`)).json());
    assert.deepEqual(listed?.map((model) => [model.id, model.loaded]), [
      ["hearth", false],
      ["hearth/helper", false],
      ["local/m1", false],
      ["backup/m2", true],
    ]);
  });

  test("POST /api/v1/models/load: a context_length that is no number is a 400 naming it; one given is said not to be applied (the config sets the context)", async () => {
    api = await apiSetup();
    const models: LmStudioModel[] = [{ id: "m1", loaded: false, maxContextLength: 32000 }];
    api.local.setHandler(lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "o" }) }) }));
    const load = (body: unknown) => fetch(`${api?.url}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const bad = await load({ model: "hearth", context_length: "x" });
    assert.equal(bad.status, 400);
    const refused = (await bad.json()) as { error: { message: string; param: string } };
    assert.deepEqual([refused.error.param, refused.error.message], ["context_length", 'context_length: expected a whole number of tokens, got the string "x"']);
    const big = await load({ model: "hearth", context_length: 99_999_999, flash_attention: true });
    assert.equal(big.status, 200);
    const said = (await big.json()) as { status: string; message?: string };
    assert.equal(said.status, "loaded");
    assert.equal(said.message, "not applied: context_length, flash_attention — a client's load options are not used: local/m1 runs with the context its server was started or loaded with, and requests are planned against its contextWindow in the config (32,000 tokens; a server that serves less is planned against its own); change the context on the server (`hearth doctor` names how) and models.providers.local → m1 contextWindow with it");
    const plain = (await (await load({ model: "hearth" })).json()) as { message?: string };
    assert.equal(plain.message, undefined, "nothing to say when no option was given");
  });

  test("POST /api/v1/models/load with a context_length, for a model its server serves with less context than the config: the server's number, said as the server's, and doctor's fix (t9 #12)", async () => {
    api = await apiSetup();
    // Loaded in LM Studio with 4,096 tokens; the config says 32,000.
    const models: LmStudioModel[] = [{ id: "m1", loaded: true, loadedContextLength: 4096, maxContextLength: 32000 }];
    api.local.setHandler(lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "o" }) }) }));
    const answer = await fetch(`${api.url}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "local/m1", context_length: 8192 }) });
    const said = (await answer.json()) as { status: string; message?: string };
    assert.equal(said.status, "loaded");
    assert.equal(said.message, "not applied: context_length — a client's load options are not used: local/m1 runs with the 4,096 tokens of context its server serves, less than its contextWindow in the config (32,000 tokens), so requests are planned against 4,096 tokens; lower models.providers.local → m1 contextWindow to 4096, or serve it a larger context (`hearth doctor` names how for its server)");
    assert.doesNotMatch(said.message ?? "", /as the config has it/);
  });

  test("POST /api/v1/models/load warms the local model with a one-token call and answers when it loaded", async () => {
    api = await apiSetup();
    const models: LmStudioModel[] = [{ id: "m1", loaded: false, maxContextLength: 32000 }];
    api.local.setHandler(lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "o" }) }) }));
    const response = await fetch(`${api.url}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth" }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string; instance_id: string };
    assert.deepEqual({ status: body.status, id: body.instance_id }, { status: "loaded", id: "hearth" });
    assert.equal(models[0]?.loaded, true);
    assert.equal((lastBody(api.local) as { max_tokens: number }).max_tokens, 1);
    assert.equal(api.backup.requests.length, 0, "a load never moves on to a fallback");
  });

  test("a load that takes longer than the wait answers \"loading\" instead of hanging; a hosted or unknown model is answered at once", async () => {
    api = await apiSetup({ loadWaitMs: 50 });
    api.local.setHandler((request) => (request.path.startsWith("/api/") ? { kind: "json", body: { models: [] } } : { kind: "hang-before-headers" }));
    const slow = await fetch(`${api.url}/api/v1/models/load`, { method: "POST", body: JSON.stringify({ model: "Local" }) });
    assert.equal(slow.status, 200);
    assert.equal(((await slow.json()) as { status: string }).status, "loading");
    const unknown = await fetch(`${api.url}/api/v1/models/load`, { method: "POST", body: JSON.stringify({ model: "lmstudio-community/other" }) });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /choose one of "hearth"/);
  });
});

// t13 #6: a client that unloads after use failed on a 404; LM Studio's own chat shape of 0.3 had no route.
describe("LM Studio's unload, and its 0.3 chat endpoint", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  test("POST /api/v1/models/unload answers in LM Studio's shape, and says the model stays loaded for the others (a turn on it is not cut off)", async () => {
    api = await apiSetup();
    const setup = api;
    const models: LmStudioModel[] = [{ id: "m1", loaded: true, maxContextLength: 32000 }];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const lmStudio = lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "still answering" }) }) });
    setup.local.setHandler(async (request) => {
      if (!request.path.startsWith("/api/")) await held;
      return lmStudio(request);
    });
    // Another client is mid-turn on the model while one unloads it.
    const turn = setup.client.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }] });
    // What could unload or reload it: a POST (its listing and other looks the gateway makes anyway are GETs).
    const calls = (): number => setup.local.requests.filter((request) => request.method === "POST").length;
    while (calls() === 0) await new Promise((resolve) => setImmediate(resolve));
    const before = calls();
    const unload = async (instance: string): Promise<Record<string, unknown>> => {
      const response = await fetch(`${setup.url}/api/v1/models/unload`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ instance_id: instance }) });
      assert.equal(response.status, 200);
      return (await response.json()) as Record<string, unknown>;
    };
    const answer = await unload("local/m1");
    assert.equal(answer.instance_id, "local/m1");
    assert.equal(answer.status, "loaded");
    assert.match(String(answer.message), /^not unloaded: local\/m1 stays loaded — this gateway serves it to every client and agent that names it, and one may be mid-turn on it; to free its memory when none needs it, stop its server/);
    assert.equal((await unload("hearth")).instance_id, "hearth", "the instance_id a load of the agent answered");
    assert.equal(calls(), before, "nothing was posted to the model's server");
    assert.equal(setup.local.requests.filter((request) => request.path.includes("unload")).length, 0);
    assert.equal(models[0]?.loaded, true);
    release();
    assert.equal((await turn).choices[0]?.message.content, "still answering");
  });

  // t13-replay #5: the 404 of an unknown instance_id named `"param": "model"`, a field the request did not have.
  test("an unload without instance_id is a 400 naming it; a name the gateway does not serve, the 404 a request naming it gets, naming instance_id (a load's, model)", async () => {
    api = await apiSetup();
    const missing = await fetch(`${api.url}/api/v1/models/unload`, { method: "POST", body: JSON.stringify({ model: "Local" }) });
    assert.equal(missing.status, 400);
    const error = ((await missing.json()) as { error: { message: string; param: string } }).error;
    assert.equal(error.param, "instance_id");
    assert.match(error.message, /^instance_id: required, the instance_id POST \/api\/v1\/models\/load answered/);
    const unknown = await fetch(`${api.url}/api/v1/models/unload`, { method: "POST", body: JSON.stringify({ instance_id: "lmstudio-community/other" }) });
    assert.equal(unknown.status, 404);
    const notServed = ((await unknown.json()) as { error: { message: string; param: string } }).error;
    assert.equal(notServed.param, "instance_id");
    assert.match(notServed.message, /^instance_id "lmstudio-community\/other" is not an agent or a model hearth serves; choose one of "hearth"/);
    const load = await fetch(`${api.url}/api/v1/models/load`, { method: "POST", body: JSON.stringify({ model: "lmstudio-community/other" }) });
    assert.equal(load.status, 404);
    const loadError = ((await load.json()) as { error: { message: string; param: string } }).error;
    assert.equal(loadError.param, "model");
    assert.match(loadError.message, /^model "lmstudio-community\/other" is not an agent or a model hearth serves/);
  });

  test("POST /api/v0/chat/completions (LM Studio 0.3's chat, OpenAI's shape) is answered as /v1/chat/completions, streamed or not", async () => {
    api = await apiSetup();
    api.local.setHandler(() => ({ kind: "sse", frames: completionsStream({ text: "from v0" }) }));
    const v0 = new OpenAI({ baseURL: `${api.url}/api/v0`, apiKey: "x", maxRetries: 0 });
    const whole = await v0.chat.completions.create({ model: "Local", messages: [{ role: "user", content: "hi" }] });
    assert.equal(whole.choices[0]?.message.content, "from v0");
    assert.equal(whole.model, "local/m1");
    let streamed = "";
    for await (const chunk of await v0.chat.completions.create({ model: "local/m1", messages: [{ role: "user", content: "hi" }], stream: true })) streamed += chunk.choices[0]?.delta.content ?? "";
    assert.equal(streamed, "from v0");
    assert.equal((lastBody(api.local) as { messages: { content: string }[] }).messages.at(-1)?.content, "hi");
  });
});

describe("concurrent loads of one model", () => {
  let api: ApiSetup | undefined;
  afterEach(() => api?.close());

  // Trial: 40 POST /api/v1/models/load at once made 40 upstream loads.
  test("40 at once, under two names of one model, make one upstream call; a load once it ended makes a new one", async () => {
    api = await apiSetup({ loadWaitMs: 50 });
    const setup = api;
    const calls = (): number => setup.local.requests.filter((request) => !request.path.startsWith("/api/")).length;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const models: LmStudioModel[] = [{ id: "m1", loaded: false, maxContextLength: 32000 }];
    const lmStudio = lmStudioHandler({ models, completions: () => ({ kind: "sse", frames: completionsStream({ text: "o" }) }) });
    setup.local.setHandler(async (request) => {
      if (!request.path.startsWith("/api/")) await held;
      return lmStudio(request);
    });
    const load = async (model: string): Promise<string> => {
      const response = await fetch(`${setup.url}/api/v1/models/load`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model }) });
      assert.equal(response.status, 200);
      return ((await response.json()) as { status: string }).status;
    };
    // Each answers "loading" once its wait is over: every one of them has been through the load by then.
    const states = await Promise.all(Array.from({ length: 40 }, (_, index) => load(index % 2 === 0 ? "hearth" : "Local")));
    assert.deepEqual(new Set(states), new Set(["loading"]));
    while (calls() === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls(), 1, "one upstream call for 40 loads of one model");
    // The held call answers: a load then may still join it; once one said "loaded" (that warm-up is over),
    // the next is a new warm-up with its own upstream call — nothing ended is kept.
    release();
    const loadedOnce = async (): Promise<void> => {
      while ((await load("Local")) !== "loaded");
    };
    await loadedOnce();
    await loadedOnce();
    assert.ok(calls() >= 2, `a load after the first ended made its own call (${calls()} calls)`);
  });
});

describe("a client that goes away", () => {
  test("stops the upstream call", async () => {
    const api = await apiSetup();
    try {
      // backup/m2 is not a reasoning model: its text streams at once (a reasoning model's leading text waits for </think>).
      api.backup.setHandler(() => ({ kind: "sse", frames: responsesStream({ text: "the start of a long answer" }).slice(0, 6), after: "hang" }));
      const controller = new AbortController();
      const stream = await api.client.chat.completions.create({ model: "Backup", messages: [{ role: "user", content: "Go on" }], stream: true }, { signal: controller.signal });
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) break;
      }
      const logged = await api.waitForLog((fields) => fields.route === "chat" && fields.answer === 499);
      assert.equal(logged.mode, "proxy");
    } finally {
      await api.close();
    }
  });

  test("stops the upstream call of a non-streaming request too", async () => {
    const api = await apiSetup();
    try {
      let arrived: () => void = () => undefined;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      api.backup.setHandler(() => {
        arrived();
        return { kind: "hang-before-headers" };
      });
      const controller = new AbortController();
      const pending = api.client.responses.create({ model: "Backup", input: "Go on" }, { signal: controller.signal });
      await reached;
      controller.abort();
      await assert.rejects(pending, OpenAI.APIUserAbortError);
      const logged = await api.waitForLog((fields) => fields.route === "responses" && fields.answer === 499);
      assert.equal(logged.mode, "proxy");
    } finally {
      await api.close();
    }
  });
});

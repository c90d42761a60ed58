// The quick look at a local server's listing (src/models/reachability.ts): a turn's check asks only the
// listing; the setup's look at a model the server does not list also asks which server it is, for the fix's words.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { quickReachability } from "../../src/models/reachability.js";
import { startFakeServer } from "../fakes/fake-server.js";
import { modelSpec } from "../ai/adapter-contract.js";

const http = new HttpClient();
after(() => http.destroy());

test("a model the server does not list: a turn's check asks the listing alone; the setup's look asks /props too and words the fix for llama.cpp", async () => {
  const paths: string[] = [];
  const entry = (id: string) => ({ id, object: "model", created: 1_700_000_000, owned_by: "llamacpp", status: { value: "loaded" } });
  const server = await startFakeServer((request) => {
    paths.push(request.path);
    if (request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [entry("a"), entry("b")] } };
    if (request.path === "/props") return { kind: "json", body: { default_generation_settings: { n_ctx: 4096 }, total_slots: 1 } };
    return { kind: "json", status: 404, body: { error: { code: 404, message: "File Not Found", type: "not_found_error" } } };
  });
  after(() => server.close());
  const model = modelSpec("openai-completions", server.baseUrl, { id: "missing", local: true });
  const check = quickReachability(http);
  assert.equal(await check.answers(model), false);
  assert.deepEqual(paths, ["/v1/models"], "a turn waits for one request, not three");
  paths.length = 0;
  const look = await check.look(model);
  assert.deepEqual(paths, ["/v1/models", "/props"]);
  assert.equal(look.state, "error");
  assert.match(look.state === "error" ? (look.fix ?? "") : "", /^start llama-server with that model/);
});

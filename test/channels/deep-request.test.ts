// A request nested past what hearth walks (t8 #3: a tool schema 300,000 levels deep, 3 MB) is the client's to
// fix: a 400 naming where, through the real HTTP API — not a 503 "no model available" that an SDK retries as is.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { apiSetup, type ApiSetup } from "./openai-setup.js";

let api: ApiSetup;
before(async () => {
  api = await apiSetup();
});
after(async () => {
  await api.close();
});

test("a tool schema nested 300,000 levels deep is a 400 naming it, in proxy and agent mode; no model is called", async () => {
  let parameters = '{"type":"string"}';
  for (let depth = 0; depth < 300_000; depth++) parameters = `{"type":"array","items":${parameters}}`;
  for (const model of ["local/m1", "hearth"]) {
    const body = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${parameters}}}]}`;
    const response = await fetch(`${api.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    assert.equal(response.status, 400, model);
    const said = (await response.json()) as { error: { message: string; param: string; code: string } };
    assert.equal(said.error.code, "invalid_value");
    assert.match(said.error.param, /^tools\[0\]\.function\.parameters(\.items)+$/);
    assert.match(said.error.message, /nests deeper than 64 levels/);
  }
  assert.equal(api.local.requests.length + api.backup.requests.length, 0);
});

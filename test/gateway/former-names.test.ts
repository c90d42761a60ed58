import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelRef, ModelSpec } from "../../src/ai/model-spec.js";
import { formerNames } from "../../src/gateway/catalogue.js";
import type { Catalogue } from "../../src/gateway/port.js";

/** A catalogue of `models` (ref → alias); the specs are not read by formerNames. */
function catalogue(models: Record<string, string | undefined>, former?: Catalogue["former"]): Catalogue {
  return {
    agents: [],
    models: Object.entries(models).map(([ref, alias]) => ({ ref: ref as ModelRef, alias, local: true, spec: {} as ModelSpec, listed: true })),
    ...(former ? { former } : {}),
  };
}

test("the names a reload took away are kept, across reloads, until a config has them again", () => {
  const first = catalogue({ "local/m": "Local", "local/n": undefined });
  const second = catalogue({ "local/m": "Fast" });
  const former = formerNames({ before: first, now: second, by: "reload" });
  assert.deepEqual([...former.entries()], [
    ["local", { name: "Local", ref: "local/m", by: "reload" }],
    ["local/n", { name: "local/n", ref: "local/n", by: "reload" }],
  ]);
  // A later reload keeps them (the client set up with "Local" still hears why), and adds what it takes away.
  const third = catalogue({ "local/m": "Local" }, undefined);
  const again = formerNames({ before: { ...second, former }, now: third, by: "default" });
  assert.deepEqual([...again.keys()], ["local/n", "fast"]);
  // Each keeps what took it away.
  assert.equal(again.get("local/n")?.by, "reload");
  assert.equal(again.get("fast")?.by, "default");
});

test("a long-running process keeps the latest 200 former names", () => {
  let before: Catalogue = catalogue({});
  for (let round = 0; round < 260; round++) {
    const now = catalogue({ [`local/m${round}`]: undefined });
    const former = formerNames({ before, now, by: "reload" });
    before = { ...now, former };
  }
  assert.equal(before.former?.size, 200);
  assert.equal(before.former?.has("local/m258"), true);
  assert.equal(before.former?.has("local/m0"), false);
});

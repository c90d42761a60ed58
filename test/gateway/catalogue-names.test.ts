// The gateway's catalogue (every model a request may name, with why `/model` cannot choose those it
// cannot) is made on the first request after a start or a reload. It asked `lookup` whether each
// model's suggested alias was taken: a miss there builds a "did you mean" over every model of the
// built-in catalog, so the catalogue cost hundreds of those — 5 s of a blocked event loop on the
// t15 trial's first request (finding 10). It asks `find`, which answers the same without the reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Agent } from "../../src/agent/agent.js";
import { makeCatalogue } from "../../src/gateway/catalogue.js";
import type { ModelCatalog } from "../../src/models/model-catalog.js";
import { resolveText } from "../helpers/config.js";

const CONFIG = `{
  agents: { defaults: { model: { primary: "local/fast" }, models: { "local/slow": { alias: "Slow" }, "local/other": { alias: "Think" } } } },
  models: { mode: "merge", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions",
    models: [{ id: "fast", contextWindow: 8192 }, { id: "slow", contextWindow: 8192 }, { id: "think", contextWindow: 8192 }, { id: "spare", contextWindow: 8192 }, { id: "other", contextWindow: 8192 }] },
    other: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "fast", contextWindow: 8192 }] } } } }`;

/** The agent as makeCatalogue reads it: its id, name and chain. */
function agentsOf(resolved: ReturnType<typeof resolveText>): ReadonlyMap<string, Agent> {
  return new Map([["main", { spec: { id: "main", name: "main", chain: resolved.chain.map((entry) => entry.model) } } as unknown as Agent]]);
}

test("the catalogue asks no name's did-you-mean: each model's words come from find, with the built-in catalog merged in", () => {
  const resolved = resolveText(CONFIG);
  const catalog = resolved.catalog;
  // Hundreds of built-in models beside the config's: each was one lookup miss (a did-you-mean over all of them).
  assert.ok(catalog.models.size > 100, `the built-in catalog is merged in (${catalog.models.size} models)`);
  let lookups = 0;
  const counted = new Proxy(catalog, {
    get(target, key, receiver) {
      if (key === "lookup") return (name: string) => (lookups++, target.lookup(name));
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as ModelCatalog;
  const catalogue = makeCatalogue(counted, agentsOf(resolved));
  assert.equal(lookups, 0, "makeCatalogue called lookup (a miss builds a did-you-mean over the whole catalog)");
  const words = (ref: string): string | undefined => catalogue.models.find((model) => model.ref === ref)?.notChoosable;
  // "Think" is another model's alias: the fix leaves the alias to fill in; "Spare" names nothing: suggested.
  assert.equal(words("local/think"), `local/think cannot be chosen here: only models with an alias and the agent's own models can; to choose it, add "local/think": { alias: "…" } to agents.defaults.models`);
  assert.equal(words("local/spare"), `local/spare cannot be chosen here: only models with an alias and the agent's own models can; to choose it, add "local/spare": { alias: "Spare" } to agents.defaults.models, then /model Spare`);
  // "Fast" is the id of two providers' models: no one model has that name, so it is free for other/fast.
  assert.match(words("other/fast") ?? "", /alias: "Fast" \}.*then \/model Fast$/);
  assert.equal(words("local/fast"), undefined, "the agent's own primary is a choice");
  assert.equal(words("local/slow"), undefined, "an aliased model is a choice");
});

test("find names the model lookup names, and nothing where lookup finds none", () => {
  const catalog = resolveText(CONFIG).catalog;
  const names = ["Slow", "THINK", " slow ", "local/think", "LOCAL/Spare", "spare", "fast", "other/fast", "local/nope", "nope/fast", "nothing-like-it", "claude-opus-4-5", "anthropic/claude-opus-4-5", "Anthropic/Claude-Opus-4-5", ""];
  for (const name of names) {
    const looked = catalog.lookup(name);
    const found = catalog.find(name);
    assert.deepEqual(found, looked.ok ? looked : undefined, `find(${JSON.stringify(name)})`);
  }
  // Both kinds occur above: hits and misses.
  assert.ok(names.some((name) => catalog.find(name) === undefined) && names.some((name) => catalog.find(name) !== undefined));
});

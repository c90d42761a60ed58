import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configErrorText, resolveText } from "../helpers/config.js";
import { fixture } from "../helpers/run-cli.js";

const brief = (name: string): string => readFileSync(fixture(`brief-${name}.json5`), "utf8");
const chainOf = (text: string, env: NodeJS.ProcessEnv = {}): string[] =>
  resolveText(text, env).chain.map((entry) => `${entry.role} ${entry.model.ref}`);

test("the brief's LM Studio config: MiniMax primary, aliases resolve both ways", () => {
  const resolved = resolveText(brief("lmstudio"));
  assert.deepEqual(chainOf(brief("lmstudio")), ["primary lmstudio/minimax-m2.1-gs32"]);
  const minimax = resolved.catalog.lookup("minimax");
  assert.ok(minimax.ok);
  assert.equal(minimax.model.ref, "lmstudio/minimax-m2.1-gs32");
  assert.equal(minimax.model.api, "openai-responses");
  assert.equal(minimax.model.contextWindow, 196608);
  assert.equal(minimax.model.maxTokens, 8192);
  assert.equal(minimax.model.local, true);
  assert.equal(minimax.model.apiKey, "lmstudio");
  const opus = resolved.catalog.lookup("OPUS");
  assert.ok(opus.ok);
  assert.equal(opus.model.ref, "anthropic/claude-opus-4-5");
  assert.equal(opus.model.api, "anthropic-messages");
  assert.equal(opus.model.local, false);
  assert.equal(resolved.catalog.aliasOf("anthropic/claude-opus-4-5"), "Opus");
});

test("the brief's hybrid config: hosted primary, local then Opus as fallbacks", () => {
  assert.deepEqual(chainOf(brief("hybrid")), [
    "primary anthropic/claude-sonnet-4-5",
    "fallback-1 lmstudio/minimax-m2.1-gs32",
    "fallback-2 anthropic/claude-opus-4-5",
  ]);
});

test("the brief's generic local server config: the first configured model stands in as primary", () => {
  const resolved = resolveText(brief("generic"));
  assert.deepEqual(resolved.chain.map((entry) => entry.model.ref), ["local/my-local-model"]);
  assert.equal(resolved.defaultPrimary, true);
});

test("merge keeps the hosted providers; replace drops them", () => {
  const merged = resolveText(brief("lmstudio"));
  assert.ok(merged.catalog.providers.has("anthropic"));
  assert.ok(merged.catalog.providers.has("openrouter"));
  const replaceText = brief("generic").replace('mode: "merge"', 'mode: "replace"');
  const replaced = resolveText(replaceText);
  assert.deepEqual([...replaced.catalog.providers.keys()], ["local"]);
  assert.deepEqual([...replaced.catalog.models.keys()], ["local/my-local-model"]);
  const broken = brief("lmstudio").replace('mode: "merge"', 'mode: "replace"');
  assert.match(configErrorText(() => resolveText(broken)), /agents\.defaults\.models\["anthropic\/claude-opus-4-5"\]: no provider "anthropic"/);
});

// t18 #9: under "replace" the errors for a built-in provider did not say that replace left it out.
test("replace: a name that needs a built-in provider says that mode \"replace\" left it out and that \"merge\" keeps it", () => {
  const withChain = (text: string, fallback: string): string => `{ agents: { defaults: { model: { primary: "local/my-local-model", fallbacks: ["${fallback}"] } } }, ${text.trim().slice(1)}`;
  const fallback = withChain(brief("generic").replace('mode: "merge"', 'mode: "replace"'), "anthropic/claude-sonnet-4-5");
  assert.match(configErrorText(() => resolveText(fallback)), /fallbacks\[0\]: no provider "anthropic": models\.mode is "replace", which leaves out the built-in providers \(anthropic among them\); "merge" keeps them beside yours/);
  const overridden = fallback.replace("providers: {", 'providers: { anthropic: { baseUrl: "http://127.0.0.1:18190" },');
  assert.match(configErrorText(() => resolveText(overridden)), /provider "anthropic" lists no models: models\.mode is "replace", which leaves out the built-in catalog's anthropic models; "merge" keeps them, or add \{ id: "claude-sonnet-4-5", … \} to models\.providers\.anthropic\.models/);
  // Under merge, a provider that is not built in is still told only to list the model.
  assert.match(configErrorText(() => resolveText(withChain(brief("generic"), "nowhere/x"))), /no provider "nowhere"(?!.*replace)/);
});

test("merge: a config provider with a built-in id overrides it field by field, model lists merge by id", () => {
  const text = `{ models: { providers: { anthropic: {
    baseUrl: "http://127.0.0.1:9999",
    models: [ { id: "claude-opus-4-5", maxTokens: 1000 }, { id: "claude-private", contextWindow: 50000 } ],
  } } } }`;
  const resolved = resolveText(text, { ANTHROPIC_API_KEY: "sk-ant-from-env" });
  const provider = resolved.catalog.providers.get("anthropic");
  assert.ok(provider);
  assert.equal(provider.baseUrl, "http://127.0.0.1:9999");
  assert.equal(provider.api, "anthropic-messages");
  assert.equal(provider.apiKeySource, "env:ANTHROPIC_API_KEY");
  const opus = resolved.catalog.models.get("anthropic/claude-opus-4-5");
  assert.equal(opus?.maxTokens, 1000);
  assert.equal(opus?.contextWindow, 200000, "the catalog still gives what the config leaves out");
  assert.equal(opus?.cost.output, 25);
  assert.equal(opus?.source, "config");
  assert.equal(opus?.apiKey, "sk-ant-from-env");
  assert.equal(resolved.catalog.models.get("anthropic/claude-private")?.contextWindow, 50000);
  assert.equal(resolved.catalog.models.get("anthropic/claude-private")?.maxTokens, 4096, "documented default");
  assert.ok(resolved.catalog.models.has("anthropic/claude-sonnet-4-5"), "catalog models stay");
});

test("a config key wins over the environment's; hosted keys come from the usual variables", () => {
  const withConfigKey = resolveText('{ models: { providers: { openai: { apiKey: "sk-config" } } } }', { OPENAI_API_KEY: "sk-env" });
  assert.equal(withConfigKey.catalog.providers.get("openai")?.apiKey, "sk-config");
  const fromEnv = resolveText("{}", { OPENROUTER_API_KEY: "sk-or" });
  assert.equal(fromEnv.catalog.providers.get("openrouter")?.apiKey, "sk-or");
  assert.equal(fromEnv.catalog.providers.get("anthropic")?.apiKeySource, "none");
});

test("refs split on the first slash: model ids may contain slashes", () => {
  const text = `{ agents: { defaults: {
    model: { primary: "openrouter/minimax/minimax-m2.1", fallbacks: ["lan/org/model:q8"] },
    models: { "openrouter/minimax/minimax-m2.1": { alias: "MiniMax US" } },
  } }, models: { providers: { lan: { baseUrl: "http://192.168.1.20:8000/v1", api: "openai-completions", models: [{ id: "org/model:q8" }] } } } }`;
  const resolved = resolveText(text);
  assert.deepEqual(resolved.chain.map((entry) => [entry.model.provider, entry.model.id]), [
    ["openrouter", "minimax/minimax-m2.1"],
    ["lan", "org/model:q8"],
  ]);
  assert.equal(resolved.chain[1]?.model.local, true);
  assert.equal(resolved.chain[0]?.model.local, false);
});

test("aliases must be unique ignoring case, and must not shadow another model's ref", () => {
  const text = `{ agents: { defaults: { models: {
    "anthropic/claude-opus-4-5": { alias: "Big" },
    "anthropic/claude-sonnet-4-5": { alias: "big" },
    "openai/gpt-5": { alias: "anthropic/claude-haiku-4-5" },
  } } } }`;
  const message = configErrorText(() => resolveText(text));
  assert.match(message, /agents\.defaults\.models\["anthropic\/claude-sonnet-4-5"\]\.alias: alias "big" is already used by "anthropic\/claude-opus-4-5"/);
  assert.match(message, /agents\.defaults\.models\["openai\/gpt-5"\]\.alias: alias "anthropic\/claude-haiku-4-5" is the reference of another model/);
});

test("primary and every fallback must resolve; each failure is named with suggestions", () => {
  const text = `{
  agents: { defaults: { model: {
    primary: "lmstudio/minimax-m2.1",
    fallbacks: ["anthropic/claude-opus-4.5", "sonet", "nowhere/model"],
  }, models: { "anthropic/claude-sonnet-4-5": { alias: "Sonnet" } } } },
  models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "minimax-m2.1-gs32" }] } } },
}`;
  assert.equal(
    configErrorText(() => resolveText(text)),
    [
      "hearth.json5 has 4 problems:",
      'hearth.json5:3:5: agents.defaults.model.primary: "lmstudio/minimax-m2.1" is not a model of provider "lmstudio"; did you mean "lmstudio/minimax-m2.1-gs32"? Otherwise add { id: "minimax-m2.1", … } to models.providers.lmstudio.models',
      'hearth.json5:4:17: agents.defaults.model.fallbacks[0]: "anthropic/claude-opus-4.5" is not a model of provider "anthropic"; did you mean "anthropic/claude-opus-4-5"?',
      'hearth.json5:4:46: agents.defaults.model.fallbacks[1]: "sonet" is not a known model or alias; did you mean "Sonnet"?',
      'hearth.json5:4:55: agents.defaults.model.fallbacks[2]: no provider "nowhere"',
    ].join("\n"),
  );
});

test("a fallback that repeats the primary is ignored with a warning", () => {
  const resolved = resolveText(brief("lmstudio").replace('model: { primary: "lmstudio/minimax-m2.1-gs32" }', 'model: { primary: "lmstudio/minimax-m2.1-gs32", fallbacks: ["Minimax", "Opus"] }'));
  assert.deepEqual(resolved.chain.map((entry) => `${entry.role} ${entry.model.ref}`), ["primary lmstudio/minimax-m2.1-gs32", "fallback-1 anthropic/claude-opus-4-5"]);
  assert.match(resolved.warnings[0]?.message ?? "", /"Minimax" is already in the chain/);
});

test("the brief's hybrid block pasted with its placeholder model list names the fix", () => {
  const pasted = brief("hybrid").replace(/models: \[\s*\{[\s\S]*?\}\s*\]\s*\}\s*\}\s*\}/, "models: [ /* same MiniMax M2.1 entry as above */ ] } } }");
  const message = configErrorText(() => resolveText(pasted));
  assert.match(message, /agents\.defaults\.model\.fallbacks\[0\]: provider "lmstudio" lists no models; add \{ id: "minimax-m2\.1-gs32", … \} to models\.providers\.lmstudio\.models/);
});

test("a bare model id resolves when one provider has it, and asks for the provider when several do", () => {
  const one = resolveText('{ agents: { defaults: { model: "minimax-m2.1-gs32" } }, models: { providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-responses", models: [{ id: "minimax-m2.1-gs32" }] } } } }');
  assert.equal(one.chain[0]?.model.ref, "lmstudio/minimax-m2.1-gs32");
  const two = '{ agents: { defaults: { model: "m" } }, models: { providers: { a: { baseUrl: "http://127.0.0.1:1/v1", api: "openai-completions", models: [{ id: "m" }] }, b: { baseUrl: "http://127.0.0.1:2/v1", api: "openai-completions", models: [{ id: "m" }] } } } }';
  assert.match(configErrorText(() => resolveText(two)), /"m" is offered by several providers; name one: "a\/m", "b\/m"/);
});

test("agents.defaults.models keys must be full references", () => {
  const text = '{ agents: { defaults: { models: { "claude-opus-4-5": { alias: "Opus" } } } } }';
  assert.match(configErrorText(() => resolveText(text)), /keys here are full references "provider\/model"; write "anthropic\/claude-opus-4-5"/);
});

test("per-model params reach the model spec", () => {
  const resolved = resolveText('{ agents: { defaults: { models: { "openai/gpt-5": { params: { temperature: 0.2 } } } } } }');
  assert.deepEqual(resolved.catalog.models.get("openai/gpt-5")?.params, { temperature: 0.2 });
});

test("'did you mean' offers the user's own names (aliases, refs in the file) before the built-in catalog", () => {
  // The trial's file: "Sonnet" is no alias (its alias clashed), but anthropic/claude-sonnet-4-5 is named in the same file.
  const text = `{
  agents: { defaults: { model: { primary: "Local", fallbacks: ["Sonnet"] },
    models: { "llamacpp/m": { alias: "Local" }, "anthropic/claude-sonnet-4-5": { alias: "local" } } } },
  models: { providers: { llamacpp: { baseUrl: "http://127.0.0.1:8097/v1", api: "openai-completions", models: [{ id: "m" }] } } },
}`;
  assert.match(configErrorText(() => resolveText(text)), /fallbacks\[0\]: "Sonnet" is not a known model or alias; did you mean "anthropic\/claude-sonnet-4-5"\?$/m);
  // A ref named only as a fallback counts as the user's own too; a provider's model ids likewise.
  const named = `{ agents: { defaults: { model: { primary: "anthropic/claude-opus-4-5", fallbacks: ["anthropic/claude-sonnet-4-5", "Sonnet", "anthropic/claude-sonnet"] } } } }`;
  const message = configErrorText(() => resolveText(named));
  assert.match(message, /fallbacks\[1\]: "Sonnet" is not a known model or alias; did you mean "anthropic\/claude-sonnet-4-5"\?$/m);
  assert.match(message, /fallbacks\[2\]: "anthropic\/claude-sonnet" is not a model of provider "anthropic"; did you mean "anthropic\/claude-sonnet-4-5"\?$/m);
  // None of the user's names is close: the built-in catalog is still offered.
  assert.match(configErrorText(() => resolveText(`{ agents: { defaults: { model: { primary: "anthropic/claude-opus-4.5" } } } }`)), /did you mean "anthropic\/claude-opus-4-5"\?/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigValue } from "../../src/config/load.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { configErrorText, resolveText } from "../helpers/config.js";

const provider = (body: string): string => `{
  models: {
    providers: {
      lmstudio: {
${body}
      },
    },
  },
}`;

test("an unknown API value suggests the near miss and lists what is allowed", () => {
  const text = provider('        baseUrl: "http://127.0.0.1:1234/v1",\n        api: "openai-response",');
  assert.equal(
    configErrorText(() => resolveText(text)),
    [
      "hearth.json5 has 1 problem:",
      'hearth.json5:6:9: models.providers.lmstudio.api: "openai-response" is not a known API; did you mean "openai-responses"? (allowed: "openai-responses", "openai-completions", "anthropic-messages", "ollama")',
    ].join("\n"),
  );
});

test("unknown keys get 'did you mean', or the allowed keys when nothing is close", () => {
  const text = provider('        baseURL: "http://127.0.0.1:1234/v1",\n        colour: "blue",');
  const message = configErrorText(() => resolveText(text));
  assert.match(message, /hearth\.json5:5:9: models\.providers\.lmstudio\.baseURL: unknown key; did you mean "baseUrl"\?/);
  assert.match(
    message,
    /hearth\.json5:6:9: models\.providers\.lmstudio\.colour: unknown key; allowed here: baseUrl, baseUrls, apiKey, api, headers, timeoutSeconds, onColdLoad, coldLoadTimeoutSeconds, keepWarm, kvCache, routing, compat, models$/m,
  );
});

test("every problem is reported at once, each with its line", () => {
  const text = `{
  agent: {},
  models: {
    mode: "merj",
    providers: {
      lmstudio: {
        baseUrl: "http://127.0.0.1:1234/v1",
        api: "openai-responses",
        models: [
          { id: "a", contextWindow: "196608", maxTokens: 8192 },
          { name: "no id" },
          { id: "b", contextWindow: 4096, maxTokens: 8192 },
          { id: "c", input: ["text", "audio"], cost: { input: -1 } },
        ],
      },
    },
  },
}`;
  assert.equal(
    configErrorText(() => resolveText(text)),
    [
      "hearth.json5 has 7 problems:",
      'hearth.json5:2:3: agent: unknown key; did you mean "agents"?',
      'hearth.json5:4:5: models.mode: "merj" is not a known mode; did you mean "merge"? (allowed: "merge", "replace")',
      'hearth.json5:10:22: models.providers.lmstudio.models[0].contextWindow: expected a number, got "196608"; remove the quotes',
      "hearth.json5:11:11: models.providers.lmstudio.models[1].id: missing; required (a string)",
      "hearth.json5:12:43: models.providers.lmstudio.models[2].maxTokens: maxTokens (8192) is larger than contextWindow (4096); the reply must fit in the window",
      'hearth.json5:13:38: models.providers.lmstudio.models[3].input[1]: "audio" is not a known input kind; allowed: "text", "image"',
      "hearth.json5:13:56: models.providers.lmstudio.models[3].cost.input: must be 0 or more, got -1",
    ].join("\n"),
  );
});

test("a provider id with a slash is refused, since refs split on the first slash", () => {
  const text = '{ models: { providers: { "lm/studio": { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions" } } } }';
  assert.match(configErrorText(() => resolveText(text)), /models\.providers\["lm\/studio"\]: "lm\/studio" is not a valid name: a provider id uses letters, digits/);
});

test("a base URL must be http(s)", () => {
  const text = provider('        baseUrl: "127.0.0.1:1234/v1",\n        api: "openai-completions",');
  assert.match(
    configErrorText(() => resolveText(text)),
    /models\.providers\.lmstudio\.baseUrl: must be an http:\/\/ or https:\/\/ URL, such as "http:\/\/127\.0\.0\.1:1234\/v1", got "127\.0\.0\.1:1234\/v1"/,
  );
});

test("a custom provider needs a baseUrl and an api; a near miss of a built-in id is pointed out", () => {
  const message = configErrorText(() => resolveText('{ models: { providers: { antropic: { apiKey: "x" }, local: { baseUrl: "http://127.0.0.1:8000/v1", models: [{ id: "m" }] } } } }'));
  assert.match(message, /models\.providers\.antropic\.baseUrl: missing: "antropic" is not a built-in provider, did you mean "anthropic"\?/);
  assert.match(message, /models\.providers\.local\.models\[0\]: model "m" has no api: set models\.providers\.local\.api/);
});

test("a secret's value never appears in an error", () => {
  const message = configErrorText(() => resolveText('{ models: { providers: { openai: { apiKey: 12345678 } } } }'));
  assert.match(message, /models\.providers\.openai\.apiKey: expected a string, got the value \(hidden\)/);
  assert.doesNotMatch(message, /12345678/);
});

test("a base URL without /v1 draws a warning, not an error", () => {
  const resolved = resolveText(provider('        baseUrl: "http://127.0.0.1:1234",\n        api: "openai-responses",\n        models: [{ id: "m" }],'));
  assert.equal(resolved.warnings.length, 1);
  assert.match(resolved.warnings[0]?.message ?? "", /it has no path, and LM Studio, vLLM and Ollama serve their OpenAI-compatible API only under \/v1 \(llama\.cpp answers at the root too\); calls to those servers would go to the wrong path: write "http:\/\/127\.0\.0\.1:1234\/v1"/);
});

test("a fractional token count is refused", () => {
  const text = provider('        baseUrl: "http://127.0.0.1:1234/v1",\n        api: "openai-completions",\n        models: [{ id: "m", maxTokens: 1.5 }],');
  assert.match(configErrorText(() => resolveText(text)), /models\.providers\.lmstudio\.models\[0\]\.maxTokens: expected a whole number, got 1\.5/);
});

test("the top level must be an object", () => {
  assert.match(configErrorText(() => resolveText("[1, 2]")), /hearth\.json5: the top level must be an object/);
});

test("replicas: baseUrls instead of baseUrl, not both", () => {
  const both = provider('        baseUrl: "http://127.0.0.1:1234/v1",\n        baseUrls: ["http://10.0.0.2:1234/v1"],\n        api: "openai-completions",');
  assert.match(configErrorText(() => resolveText(both)), /models\.providers\.lmstudio\.baseUrls: give baseUrl or baseUrls \(replicas\), not both/);
  const replicas = resolveText(provider('        baseUrls: ["http://studio-a.local:1234/v1", "http://studio-b.local:1234/v1"],\n        api: "openai-completions",\n        models: [{ id: "m" }],'));
  assert.deepEqual(replicas.catalog.models.get("lmstudio/m")?.replicas, ["http://studio-a.local:1234/v1", "http://studio-b.local:1234/v1"]);
  assert.equal(replicas.catalog.models.get("lmstudio/m")?.local, true);
});

test("routing and cold-load settings are checked", () => {
  const text = provider('        baseUrl: "http://127.0.0.1:1234/v1",\n        api: "openai-completions",\n        onColdLoad: "fallbak",\n        routing: { data_collection: "never" },');
  const message = configErrorText(() => resolveText(text));
  assert.match(message, /onColdLoad: "fallbak" is not a known value; did you mean "fallback"\?/);
  assert.match(message, /routing\.data_collection: "never" is not a known value; allowed: "allow", "deny"/);
});

test("tool names in allow and deny must be tools hearth has", () => {
  const message = configErrorText(() => resolveText('{ agents: { defaults: { tools: { allow: ["time", "webfetch"], deny: ["shell"] } } } }'));
  assert.match(message, /agents\.defaults\.tools\.allow\[1\]: "webfetch" is not a known tool; did you mean "web_fetch"\?/);
  assert.match(message, /agents\.defaults\.tools\.deny\[0\]: "shell" is not a known tool; allowed: "time", "memory", "web_fetch", "exec"/);
});

test("kvCache: a llama.cpp provider's slots, one cache or one each; refused on a provider of another API", () => {
  const ollama = provider('        baseUrl: "http://127.0.0.1:11434",\n        api: "ollama",\n        kvCache: "shared",\n        models: [{ id: "m" }],');
  assert.match(configErrorText(() => resolveText(ollama)), /models\.providers\.lmstudio\.kvCache: kvCache describes a llama\.cpp server's slots \(api "openai-completions"\); this provider's api is "ollama": leave kvCache out/);
  const llama = resolveText(provider('        baseUrl: "http://127.0.0.1:8080/v1",\n        api: "openai-completions",\n        kvCache: "per-slot",\n        models: [{ id: "m" }],'));
  assert.equal(llama.catalog.models.get("lmstudio/m")?.kvCache, "per-slot");
  const unknown = provider('        baseUrl: "http://127.0.0.1:8080/v1",\n        api: "openai-completions",\n        kvCache: "unified",\n        models: [{ id: "m" }],');
  assert.match(configErrorText(() => resolveText(unknown)), /models\.providers\.lmstudio\.kvCache/);
});

// t13 #4: the 403 for an editor's webview named gateway.cors.origins, which refused anything but http(s).
// s19 review #10: another spelling of an origin (uppercase, a default port), which matched before origins
// were compared exactly, failed the config, so an upgraded gateway did not start: it is read as the browser
// spells it, with a warning naming that spelling. What no browser sends (null, file:, a path) stays refused.
test("gateway.cors.origins takes any scheme://host[:port]: another spelling is read as a browser sends it, and said; null, file: and a path are refused", () => {
  const config = (origins: string[]): string => `{ gateway: { cors: { origins: ${JSON.stringify(origins)} } } }`;
  const text = config(["http://localhost:5173", "app://obsidian.md", "vscode-webview://1a2b3c", "chrome-extension://abcdefgh", "http://[::1]:8080", "http://LocalHost:5173", "https://x.example:443", "APP://Obsidian.MD", "http://[0:0:0:0:0:0:0:1]:80"]);
  const loaded = parseConfigValue(parseJson5(text, "hearth.json5"), { file: "hearth.json5", text }, {});
  assert.deepEqual(loaded.config.gateway?.cors.origins, ["http://localhost:5173", "app://obsidian.md", "vscode-webview://1a2b3c", "chrome-extension://abcdefgh", "http://[::1]:8080", "http://localhost:5173", "https://x.example", "app://obsidian.md", "http://[::1]"]);
  assert.deepEqual(
    loaded.warnings.map((warning) => `${warning.severity} ${warning.path.join(".")}: ${warning.message}`),
    [
      'warning gateway.cors.origins.5: "http://LocalHost:5173" is read as "http://localhost:5173", as a browser sends it (the gateway compares the Origin header exactly): write "http://localhost:5173"',
      'warning gateway.cors.origins.6: "https://x.example:443" is read as "https://x.example", as a browser sends it (the gateway compares the Origin header exactly): write "https://x.example"',
      'warning gateway.cors.origins.7: "APP://Obsidian.MD" is read as "app://obsidian.md", as a browser sends it (the gateway compares the Origin header exactly): write "app://obsidian.md"',
      'warning gateway.cors.origins.8: "http://[0:0:0:0:0:0:0:1]:80" is read as "http://[::1]", as a browser sends it (the gateway compares the Origin header exactly): write "http://[::1]"',
    ],
  );
  const refused = configErrorText(() => resolveText(config(["null", "Null", "app://obsidian.md/", "file:///home", "http://localhost:99999", "http://exa%mple"])));
  assert.match(refused, /origins\[0\]: "null" cannot be allowed: a browser sends Origin: null for every sandboxed iframe \(on any website\) and every file:\/\/ page.*set gateway\.auth\.token and have the client send it/);
  assert.match(refused, /origins\[1\]: "Null" cannot be allowed/);
  assert.match(refused, /origins\[2\]: must be an origin such as "http:\/\/localhost:5173" or "app:\/\/obsidian\.md" \(scheme:\/\/host\[:port\], no path\), got "app:\/\/obsidian\.md\/"/);
  assert.match(refused, /origins\[3\]: "file:\/\/\/home" cannot be allowed/);
  assert.match(refused, /origins\[4\]: the port of "http:\/\/localhost:99999" is past 65535/);
  assert.match(refused, /origins\[5\]: must be an origin such as .* got "http:\/\/exa%mple"/);
});

// t18 #10: `allowFrom: ["*"]` (other assistants' "anyone") was told only that "*" is no E.164 number.
test('whatsapp allowFrom "*": no wildcard there, anyone is dmPolicy "open"; a malformed number keeps the E.164 words', () => {
  const text = '{ channels: { whatsapp: { enabled: true, allowFrom: ["*", "+49 151"] } } }';
  const message = configErrorText(() => parseConfigValue(parseJson5(text, "hearth.json5"), { file: "hearth.json5", text }, {}));
  assert.match(message, /channels\.whatsapp\.allowFrom\[0\]: not a phone number: allowFrom has no wildcard; to answer anyone, set channels\.whatsapp\.dmPolicy: "open" \(only for a dedicated number, with a narrow agent\) and leave "\*" out/);
  assert.doesNotMatch(message, /allowFrom\[0\]: not an E\.164/);
  assert.match(message, /channels\.whatsapp\.allowFrom\[1\]: not an E\.164 phone number: write "\+", the country code/);
});

// Which of a model's settings are secrets, masked wherever hearth shows text: its key, secret header values
// (by the header's name, or a value that looks like a key), and credentials in its URLs — not the words of a
// header such as OpenRouter's X-Title, which masking would cut out of the user's own answers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { modelSecrets } from "../../src/ai/model-secrets.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";

const model = (headers: Record<string, string>) => ({ apiKey: "sk-or-v1-0123456789abcdefABCDEF", headers, baseUrl: "https://openrouter.ai/api/v1", replicas: [] });

test("secret-named headers and key-like values are secrets; titles and plain URLs are not", () => {
  const secrets = modelSecrets(
    model({
      "X-Title": "My Personal Assistant",
      "HTTP-Referer": "https://assistant.example.com/home2024",
      "X-Api-Key": "short but secret",
      Cookie: "session=abc",
      "X-Tenant": "t3nant0123456789abcdef",
      "X-Proxy": "https://me:p4ssw0rd-proxy@proxy.example.com/",
    }),
  );
  assert.deepEqual(secrets.sort(), ["p4ssw0rd-proxy", "me", "session=abc", "short but secret", "sk-or-v1-0123456789abcdefABCDEF", "t3nant0123456789abcdef"].sort());
});

test("an answer that says the words of a non-secret header keeps them; a secret header's value is masked", () => {
  const redactor = new SecretRedactor(modelSecrets(model({ "X-Title": "My Personal Assistant", Authorization: "Token t0k-0123456789abcdef" })));
  assert.equal(redactor.redact("I am my personal assistant, and the token is Token t0k-0123456789abcdef."), "I am my personal assistant, and the token is ***.");
});

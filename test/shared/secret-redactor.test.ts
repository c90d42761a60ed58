import assert from "node:assert/strict";
import { test } from "node:test";
import { SecretRedactor, redactUrl, urlSecrets } from "../../src/shared/secret-redactor.js";

test("the redactor masks known values (not short placeholders), key-shaped tokens and URL credentials", () => {
  const redactor = new SecretRedactor(["canary-0123456789", "lmstudio", undefined]);
  assert.equal(redactor.redact("a canary-0123456789 b canary-0123456789"), "a *** b ***");
  assert.equal(redactor.redact("model lmstudio-community/qwen"), "model lmstudio-community/qwen");
  assert.equal(redactor.redact("key sk-ant-api03-abcdefghijklmnop0123 and Bearer abcdefgh12345"), "key *** and Bearer ***");
  assert.deepEqual(redactor.redactValue({ a: ["x canary-0123456789"], n: 1 }), { a: ["x ***"], n: 1 });
  assert.equal(redactUrl("http://u:p4ss@127.0.0.1:1/v1?api_key=k&x=1"), "http://***@127.0.0.1:1/v1?api_key=***&x=1");
  assert.equal(redactUrl("https://api.anthropic.com"), "https://api.anthropic.com");
  assert.deepEqual(urlSecrets("http://u:p4ss@h/v1?token=t0k&x=1"), ["u", "p4ss", "t0k"]);
  assert.deepEqual(urlSecrets("http://u:p%40ss@h/v1?key=a%2Fb"), ["u", "p%40ss", "p@ss", "a/b", "a%2Fb"]);
});

test("prose that merely starts with sk- is not a key", () => {
  const redactor = new SecretRedactor();
  assert.equal(redactor.redact("see sk-learn-tutorial-for-beginners"), "see sk-learn-tutorial-for-beginners");
  assert.equal(redactor.redact("key sk-or-v1-0123456789abcdef0123"), "key ***");
  assert.equal(redactor.redact("Bearer authentication uses Bearer abc123def456"), "Bearer authentication uses Bearer ***");
});

test("a known secret is masked whatever its letter case, its encodings included", () => {
  const key = "sk-supersecret-abc123xyz";
  const redactor = new SecretRedactor([key, encodeURIComponent("p@ss/word-0123"), "p@ss/word-0123", "a.b*c+d?(e)[f]{g}|h^i$j\\k"]);
  assert.equal(redactor.redact(`key:${key.toUpperCase()} key:${key} key:Sk-SuperSecret-Abc123Xyz`), "key:*** key:*** key:***");
  assert.equal(redactor.redact("P%40SS%2FWORD-0123 p%40ss%2fword-0123 P@SS/WORD-0123"), "*** *** ***");
  // Characters that mean something in a regular expression are matched as themselves.
  assert.equal(redactor.redact("A.B*C+D?(E)[F]{G}|H^I$J\\K and a.b*c+d?(e)[f]{g}|h^i$j\\k but aXb*c+d?(e)[f]{g}|h^i$j\\k"), "*** and *** but aXb*c+d?(e)[f]{g}|h^i$j\\k");
  assert.deepEqual(redactor.redactValue({ error: { message: `400 key:${key.toUpperCase()}` } }), { error: { message: "400 key:***" } });
  // A stream that may be starting the secret in another case holds it back from there.
  assert.equal(redactor.partialFrom("the key is SK-SUPER"), "the key is ".length);
  assert.equal(redactor.partialFrom("the key is sK-sUpErSeCrEt-A"), "the key is ".length);
  assert.equal(redactor.partialFrom("nothing secret here."), "nothing secret here.".length);
});

test("redactValue: a '__proto__' key of parsed JSON stays an own property of the copy (masked), never the copy's prototype; short strings pass as they are", () => {
  const redactor = new SecretRedactor(["canary-0123456789"]);
  const parsed = JSON.parse('{"__proto__": {"polluted": "x canary-0123456789"}, "kind": "ok"}') as Record<string, unknown>;
  const copy = redactor.redactValue(parsed);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value, { polluted: "x ***" });
  assert.equal((copy as { polluted?: unknown }).polluted, undefined);
  assert.equal(copy.kind, "ok");
  assert.equal(redactor.redact("canary-0123"), "canary-0123");
  assert.equal(redactor.redact("canary-01234567890"), "***0");
});

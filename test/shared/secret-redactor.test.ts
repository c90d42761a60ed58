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
  // Characters that mean something in a regular expression are matched as themselves ("." is no wildcard: "aXb" is not "a.b");
  // what follows the changed character is 23 of the value's 25 characters in a row, a piece of it: masked as one.
  assert.equal(redactor.redact("A.B*C+D?(E)[F]{G}|H^I$J\\K and a.b*c+d?(e)[f]{g}|h^i$j\\k but aXb*c+d?(e)[f]{g}|h^i$j\\k"), "*** and *** but aX***");
  assert.equal(redactor.redact("a short piece aXb*c+d?(e)[f]{ is shown"), "a short piece aXb*c+d?(e)[f]{ is shown");
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

test("a known secret is masked in base64 (standard and URL-safe, padded or not, at any byte offset) and in hex", () => {
  const key = "sk_live?>~canary-0123456789-xyz"; // "?>~" give "+" and "/" in standard base64 at some offsets
  const redactor = new SecretRedactor([key]);
  const std = (text: string) => Buffer.from(text).toString("base64");
  const url = (text: string) => Buffer.from(text).toString("base64url");
  for (const user of ["", "u", "us", "use", "user", "hearth-admin"]) {
    for (const [name, encode] of [["standard", std], ["url-safe", url]] as const) {
      for (const padded of [true, false]) {
        const encoded = encode(`${user}:${key}`);
        const written = padded || name === "url-safe" ? encoded : encoded.replace(/=+$/, "");
        const out = redactor.redact(`Authorization: Basic ${written}`);
        // What stays: the characters of the user's bytes (and at most one mixing them with the key's), and the last one or two that mix in padding.
        const kept = Math.ceil(((user.length + 1) * 8) / 6);
        assert.match(out, new RegExp(`^Authorization: Basic [A-Za-z0-9+/_-]{0,${kept}}\\*\\*\\*[A-Za-z0-9+/_=-]{0,4}$`), `${name} ${padded ? "padded" : "unpadded"} after ${JSON.stringify(user)}: ${out}`);
      }
    }
  }
  const hex = Buffer.from(key).toString("hex");
  assert.equal(redactor.redact(`dump ${hex} / ${hex.toUpperCase()}`), "dump *** / ***");
  assert.equal(redactor.redactValue({ body: `{"auth":"Basic ${std(`me:${key}`)}"}` }).body.includes(std(`me:${key}`).slice(6, 30)), false);
});

test("a 12-character value is masked in base64 at all three alignments; a short one (8 to 11) in its encodings only, never as written", () => {
  // 12 bytes: runs of 16 characters at offset 0, 15 at offsets 1 and 2 — all masked now.
  const redactor = new SecretRedactor(["abcdefghijkl", "s3cr3tpw"]);
  for (const before of ["", "x", "xy"]) {
    const encoded = Buffer.from(`${before}abcdefghijkl`).toString("base64");
    assert.match(redactor.redact(encoded), /^[A-Za-z0-9+/]{0,3}\*\*\*[A-Za-z0-9+/=]{0,4}$/, `after ${JSON.stringify(before)}: ${redactor.redact(encoded)}`);
  }
  // "s3cr3tpw" (8): short, so left as written; its base64 at every offset and its hex are masked.
  assert.equal(redactor.redact("the password s3cr3tpw, as written"), "the password s3cr3tpw, as written");
  for (const before of ["", "u:", "us:"]) assert.ok(!redactor.redact(`Basic ${Buffer.from(`${before}s3cr3tpw`).toString("base64")}`).includes(Buffer.from(`${before}s3cr3tpw`).toString("base64").slice(4, 12)));
  assert.equal(redactor.redact(`hex ${Buffer.from("s3cr3tpw").toString("hex")}.`), "hex ***.");
  const prose = "The quick brown fox: YWJjZGVm is not a key, and neither is 0123456789abcdef0123456789abcdef.";
  assert.equal(redactor.redact(prose), prose);
});

test("the placeholder keys local servers document (lmstudio, sk-no-key-required, …) are not secrets: shown in every form", () => {
  const redactor = new SecretRedactor(["lmstudio", "LM-Studio", "sk-no-key-required", "not-needed"]);
  const text = [
    "model lmstudio-community/qwen, served by lmstudio",
    `echo ${Buffer.from("lmstudio").toString("base64")} | base64 -d`,
    `hex ${Buffer.from("lmstudio").toString("hex")}`,
    `Basic ${Buffer.from("user:sk-no-key-required").toString("base64")}`,
    "apiKey: not-needed",
  ].join("\n");
  assert.equal(redactor.redact(text), text);
});

test("a stream ending inside a secret's base64 or hex holds it back from there", () => {
  const key = "canary-0123456789-xyz";
  const redactor = new SecretRedactor([key]);
  const basic = Buffer.from(`user:${key}`).toString("base64");
  for (const cut of [8, 12, 20, basic.length - 3]) {
    const text = `Authorization: Basic ${basic.slice(0, cut)}`;
    assert.ok(redactor.partialFrom(text) <= "Authorization: Basic ".length + 8, `cut at ${cut}: held from ${redactor.partialFrom(text)}`);
  }
  const hex = Buffer.from(key).toString("hex");
  assert.equal(redactor.partialFrom(`hex ${hex.slice(0, 9).toUpperCase()}`), 4);
  assert.equal(redactor.partialFrom("nothing encoded here QUJD"), "nothing encoded here QUJD".length);
});

test("redactValue copies a value nested 20,000 deep (a model's tool arguments) and masks the key at its bottom, without a stack overflow", () => {
  const redactor = new SecretRedactor(["canary-0123456789"]);
  let value: unknown = { leaf: "x canary-0123456789" };
  for (let depth = 0; depth < 20_000; depth++) value = depth % 2 === 0 ? [value, depth] : { q: value };
  let copied = redactor.redactValue(value);
  let depth = 0;
  while (typeof copied === "object" && copied !== null && !("leaf" in copied)) {
    copied = Array.isArray(copied) ? copied[0] : (copied as { q: unknown }).q;
    depth++;
  }
  assert.equal(depth, 20_000);
  assert.deepEqual(copied, { leaf: "x ***" });
});

test("redactShared passes a value with nothing to mask on as it is, and masks a copy of one with a key anywhere in it (20,000 deep too, an Error as redactValue shows it)", () => {
  const redactor = new SecretRedactor(["canary-0123456789"]);
  const clean = { type: "route-end", message: { content: [{ type: "text", text: "hello there, nothing secret" }], usage: { input: 1 } }, attempts: [] };
  assert.equal(redactor.redactShared(clean), clean);
  const keyed = { type: "route-end", message: { content: [{ type: "text", text: "the key canary-0123456789" }] }, model: "m" };
  const shown = redactor.redactShared(keyed);
  assert.notEqual(shown, keyed);
  assert.deepEqual(shown, { type: "route-end", message: { content: [{ type: "text", text: "the key ***" }] }, model: "m" });
  assert.equal(keyed.message.content[0]?.text, "the key canary-0123456789");
  let deep: unknown = { leaf: "x canary-0123456789" };
  for (let depth = 0; depth < 20_000; depth++) deep = { q: deep };
  let bottom = redactor.redactShared(deep);
  while (typeof bottom === "object" && bottom !== null && "q" in bottom) bottom = (bottom as { q: unknown }).q;
  assert.deepEqual(bottom, { leaf: "x ***" });
  const error = { failure: new Error("refused canary-0123456789") };
  assert.deepEqual(redactor.redactShared(error), redactor.redactValue(error));
  // No secret known: key shapes are still masked.
  const none = new SecretRedactor([]);
  assert.deepEqual(none.redactShared({ text: "Bearer abcdefgh12345" }), { text: "Bearer ***" });
  assert.equal(none.redactKnown("canary-0123456789"), "canary-0123456789");
  assert.equal(none.partialFrom("ab\ud83d"), 2);
});

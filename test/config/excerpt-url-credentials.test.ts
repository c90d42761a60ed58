import assert from "node:assert/strict";
import { test } from "node:test";
import { maskUrlCredentials } from "../../src/config/mask-excerpt.js";
import { parseJson5 } from "../../src/config/parse-json5.js";
import { configErrorText } from "../helpers/config.js";

/**
 * A bad edit's error shows the line it is on (`hearth chat`, the gateway's log and the page's banner print
 * it): a password in a URL on that line is a credential as an `apiKey` is, and is masked as one is.
 */
test("a syntax error's excerpt masks the credentials in a URL on its line, and the caret stays under the problem", () => {
  const text = '{\n  models: { providers: { home: { baseUrl: "http://user:URLPASSWORD998877@127.0.0.1:9/v1", api: "openai-completions" } ] } }\n}\n';
  const message = configErrorText(() => parseJson5(text, "c.json5"));
  assert.doesNotMatch(message, /URLPASSWORD998877|user:/);
  const lines = message.split("\n");
  const excerpt = lines.find((line) => line.startsWith("  2 |")) ?? "";
  assert.match(excerpt, /baseUrl: "http:\/\/\*\*\*@127\.0\.0\.1:9\/v1"/);
  // The caret points at the stray "]" as the line is shown.
  const caret = lines[lines.indexOf(excerpt) + 1] ?? "";
  assert.equal(excerpt[caret.indexOf("^")], "]", message);
});

test("a token alone as a URL's user (any scheme), and two URLs on a line, are masked too", () => {
  const text = '{ a: "https://ghp_token1234@github.com/x", b: "wss://bob:pw-42@host:1/ws" ]';
  const message = configErrorText(() => parseJson5(text, "c.json5"));
  assert.doesNotMatch(message, /ghp_token1234|pw-42|bob/);
  assert.match(message, /https:\/\/\*\*\*@github\.com\/x/);
  assert.match(message, /wss:\/\/\*\*\*@host:1\/ws/);
});

test("a password holding a raw @, or a quote that broke the line, is hidden whole; the caret is under the mask", () => {
  const rawAt = '{ models: { providers: { home: { baseUrl: "http://user:p@ssW0rdTAIL@127.0.0.1:9/v1" ] } } }';
  const atMessage = configErrorText(() => parseJson5(rawAt, "c.json5"));
  assert.doesNotMatch(atMessage, /ssW0rdTAIL|p@ss|user:/);
  assert.match(atMessage, /"http:\/\/\*\*\*@127\.0\.0\.1:9\/v1"/);

  const quoted = '{ models: { providers: { home: { baseUrl: "http://user:pa"SSW0RDTAIL@127.0.0.1:9/v1" } } } }';
  const quoteMessage = configErrorText(() => parseJson5(quoted, "c.json5"));
  assert.doesNotMatch(quoteMessage, /SSW0RDTAIL|user:pa/);
  const lines = quoteMessage.split("\n");
  const excerpt = lines.find((line) => line.startsWith("  1 |")) ?? "";
  const caret = lines[lines.indexOf(excerpt) + 1] ?? "";
  assert.equal(excerpt[caret.indexOf("^")], "*", `the caret is under the mask that hides the problem\n${quoteMessage}`);
});

test("a problem's echoed URL (a bad port, a bad scheme) hides a password with a raw @ whole", () => {
  assert.equal(maskUrlCredentials('got "http://user:p@ssW0rd@127.0.0.1:99999/v1"'), 'got "http://***@127.0.0.1:99999/v1"');
  assert.equal(maskUrlCredentials("see http://host:1/v1 and mail me@example.com"), "see http://host:1/v1 and mail me@example.com", "an @ after the URL's host is not its user-info");
});

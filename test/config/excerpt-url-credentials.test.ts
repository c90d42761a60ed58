import assert from "node:assert/strict";
import { test } from "node:test";
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

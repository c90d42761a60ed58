import assert from "node:assert/strict";
import { test } from "node:test";
import { isLocalUrl } from "../../src/models/is-local.js";

test("loopback and private networks are local", () => {
  for (const url of [
    "http://127.0.0.1:1234/v1",
    "http://localhost:11434/v1",
    "http://[::1]:8000/v1",
    "http://10.0.0.5:8000/v1",
    "http://172.20.1.1/v1",
    "http://192.168.1.20:1234/v1",
    "http://100.101.102.103:1234/v1",
    "http://studio-a.local:1234/v1",
    "http://gpu-box:8000/v1",
    "http://[fd12:3456::1]:8000/v1",
  ]) {
    assert.equal(isLocalUrl(url), true, url);
  }
});

test("public hosts are not local", () => {
  for (const url of ["https://api.anthropic.com", "https://openrouter.ai/api/v1", "http://8.8.8.8/v1", "http://172.32.0.1/v1", "http://[2001:db8::1]/v1", "not a url"]) {
    assert.equal(isLocalUrl(url), false, url);
  }
});

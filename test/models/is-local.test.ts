import assert from "node:assert/strict";
import { test } from "node:test";
import { isLocalUrl, isOwnInterfaceUrl, machineAddresses } from "../../src/models/is-local.js";

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

// t18 #3: a baseUrl on this machine's own public address (a VPS) was judged hosted.
test("an address of one of this machine's interfaces is local, whatever its range; another public address is not", () => {
  const own = machineAddresses(() => ({ lo: [{ address: "127.0.0.1" }, { address: "::1" }], eth0: [{ address: "192.0.2.2" }, { address: "2001:db8::7%eth0" }] }));
  assert.equal(isLocalUrl("http://192.0.2.2:18101/v1", own), true);
  assert.equal(isLocalUrl("http://[2001:db8::7]:8080/v1", own), true);
  assert.equal(isLocalUrl("http://192.0.2.3:18101/v1", own), false, "a neighbour's public address is hosted");
  assert.equal(isOwnInterfaceUrl("http://192.0.2.2:18101/v1", own), true);
  assert.equal(isOwnInterfaceUrl("http://127.0.0.1:18101/v1", own), false, "loopback is not the case of a server listening elsewhere");
  assert.equal(isOwnInterfaceUrl("http://10.0.0.5:8000/v1", own), false, "a private address of another machine");
});

// The HTTP look at a local server (server-gone.ts): what it finds, and that it never rejects (s23 review #6: a
// header Node refuses at once — a key holding a line break — threw out of it, an unhandled rejection in its caller).
import assert from "node:assert/strict";
import { test } from "node:test";
import { answerLook } from "../../src/ai/http/answer-look.js";
import { refusedUrl, startFakeServer } from "../fakes/fake-server.js";
import { serversClosedAfterEachTest } from "../helpers/fake-servers.js";

const servers = serversClosedAfterEachTest();

test("any status is an answer; nothing listening is refused; a silent server is silent", { timeout: 20_000 }, async () => {
  const server = await startFakeServer((request) => (request.path === "/v1/models" ? { kind: "json", status: 404, body: {} } : { kind: "hang-before-headers" }));
  servers.push(server);
  assert.deepEqual(await answerLook(`${server.baseUrl}/models`, { timeoutMs: 2_000 }), { state: "answered", status: 404 });
  assert.deepEqual(await answerLook(`${server.baseUrl}/slots`, { timeoutMs: 300 }), { state: "silent" });
  assert.deepEqual(await answerLook(`${await refusedUrl()}/v1/models`, { timeoutMs: 2_000 }), { state: "refused" });
});

test("a header Node refuses (a line break in the key) is a failed look, not a rejection", async () => {
  const look = await answerLook("http://127.0.0.1:9/v1/models", { timeoutMs: 500, headers: { authorization: "Bearer a\nb" } });
  assert.deepEqual(look, { state: "failed" });
});

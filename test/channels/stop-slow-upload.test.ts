import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { createHttpApp, serveHttp } from "../../src/channels/http/server.js";
import { memoryGateway } from "../helpers/memory-gateway.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Everything the socket receives until the server closes it. */
function received(socket: Socket): Promise<string> {
  let text = "";
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  return new Promise((resolve) => socket.once("close", () => resolve(text)));
}

/**
 * A trial's finding: after SIGTERM, uploads still sending their body (one byte every 10 s) held the
 * drain past its 30 s with no turn running. When the server closes, a request whose body is still
 * arriving ends at once: a 503 in the API's error shape when its answer has not begun, the connection closed.
 */
test("closing the server ends requests whose body is still arriving: a 503 gateway_stopping, the connection closed", async () => {
  const app = createHttpApp({ port: memoryGateway(), auth: { token: undefined }, limits: { maxBodyBytes: 8 * 1024 * 1024 }, logger: quiet, version: "0.1.0" });
  const server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  const port = Number(new URL(server.url).port);
  const uploads = await Promise.all(
    [0, 1, 2].map(
      (index) =>
        new Promise<{ socket: Socket; answer: Promise<string> }>((resolve) => {
          const socket = connect(port, "127.0.0.1", () => {
            socket.write(`POST /api/sessions/s${index}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"text":"`);
            resolve({ socket, answer: received(socket) });
          });
        }),
    ),
  );
  // One answered before its body was in (no such endpoint): its client goes on sending all the same.
  const early = await new Promise<{ socket: Socket; answer: Promise<string> }>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{`);
      resolve({ socket, answer: received(socket) });
    });
  });
  // The server has read the headers (and so started the requests) once a request sent after them is answered.
  assert.equal((await fetch(`${server.url}/health`)).status, 200);
  const closed = server.close().then(() => "closed");
  // The uploads never send the rest: the close must not wait for them (a bound for a failure, not a timing measured).
  const outcome = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve("still waiting after 10 s"), 10_000).unref())]);
  assert.equal(outcome, "closed");
  for (const upload of uploads) {
    const answer = await upload.answer;
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /connection: close/i);
    assert.match(answer, /"code":"gateway_stopping"/);
    assert.match(answer, /"type":"server_error"/);
    upload.socket.destroy();
  }
  assert.match(await early.answer, /^HTTP\/1\.1 404 /, "answered, then its connection closed");
});

// Requests Node's HTTP parser refuses (a trial sent them: a Content-Length that lies or is no number, one
// beside Transfer-Encoding, a bare CR in a header, headers too large) got Node's bare "400 Bad Request"
// with an empty body, where every other error of the gateway is in OpenAI's error shape. Now they get it too.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import { memoryGateway } from "../helpers/memory-gateway.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe("requests that are not valid HTTP get an answer in OpenAI's error shape", () => {
  let server: RunningServer;
  let port = 0;
  before(async () => {
    const app = createHttpApp({ port: memoryGateway(), auth: { token: undefined }, limits: { maxBodyBytes: 8 * 1024 * 1024 }, logger: quiet, version: "0.1.0" });
    server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
    port = Number(new URL(server.url).port);
  });
  after(() => server.close());

  /** Everything the connection receives until the server closes it. */
  const send = (raw: string): Promise<string> =>
    new Promise((resolve) => {
      let text = "";
      const socket = connect(port, "127.0.0.1", () => socket.write(raw));
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
      socket.on("error", () => undefined);
      socket.once("close", () => resolve(text));
    });
  const json = (answer: string): { error: { message: string; type: string; code: string } } => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: { message: string; type: string; code: string } };

  const cases: [string, string, RegExp][] = [
    ["a Content-Length that is no number", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n{}", /^the request is not valid HTTP\/1\.1: .+ \(HPE_/],
    ["Content-Length beside Transfer-Encoding", "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", /^the request is not valid HTTP\/1\.1: .+ \(HPE_/],
    ["a bare CR in a header", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rb\r\n\r\n", /^the request is not valid HTTP\/1\.1: .+ \(HPE_/],
    ["no HTTP at all", "HELLO\r\n\r\n", /^the request is not valid HTTP\/1\.1: .+ \(HPE_/],
  ];
  for (const [what, raw, said] of cases) {
    test(what, async () => {
      const answer = await send(raw);
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/, answer);
      assert.match(answer, /\r\ncontent-type: application\/json\r\n/);
      assert.match(answer, /\r\nconnection: close\r\n/);
      const body = json(answer);
      assert.equal(body.error.type, "invalid_request_error");
      assert.equal(body.error.code, "bad_request");
      assert.match(body.error.message, said);
    });
  }

  test("headers too large: a 431 saying so", async () => {
    const answer = await send(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 /, answer.slice(0, 200));
    assert.equal(json(answer).error.message, "the request's headers are too large for the gateway");
  });

  test("no Host header, a Host that is no host, or two Hosts or Authorizations: a 400 in the API's shape, not a bare one", async () => {
    for (const [raw, said] of [
      ["GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", /^the request cannot be read: missing host header$/],
      // Node keeps the first of two, @hono/node-server joins them: the checks would read different values (t12-attack #4).
      ["GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nhost: evil.example\r\nConnection: close\r\n\r\n", /^the request cannot be read: it has more than one Host header \(a request carries one\)$/],
      ["GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer a\r\nAUTHORIZATION: Bearer b\r\nConnection: close\r\n\r\n", /^the request cannot be read: it has more than one Authorization header/],
      ["GET /health HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n", /^the request cannot be read: its Host header and path make no URL/],
    ] as const) {
      const answer = await send(raw);
      assert.match(answer, /^HTTP\/1\.1 400 /, answer);
      assert.match(answer, /\r\ncontent-type: application\/json/);
      assert.equal(json(answer.replace(/\r\n[0-9a-f]+\r\n/, "\r\n").replace(/\r\n0\r\n\r\n$/, "")).error.type, "invalid_request_error");
      assert.match(json(answer.replace(/\r\n[0-9a-f]+\r\n/, "\r\n").replace(/\r\n0\r\n\r\n$/, "")).error.message, said);
    }
  });

  test("a fault past the app's own error handler: a 500 saying where to look, its text in the log alone", async () => {
    const logged: unknown[] = [];
    const app = new Hono();
    app.fetch = () => {
      throw new TypeError("boom: internal /root/.hearth/secret-path");
    };
    const faulty = await serveHttp({ app, host: "127.0.0.1", port: 0, logger: { error: (fields) => void logged.push(fields) } });
    try {
      const answer = await fetch(`${faulty.url}/health`);
      assert.equal(answer.status, 500);
      const text = await answer.text();
      assert.doesNotMatch(text, /boom|secret-path/);
      assert.equal((JSON.parse(text) as { error: { message: string } }).error.message, "hearth could not serve this request: a fault in hearth (its log says what: hearth logs)");
      assert.match(String((logged[0] as { err?: Error } | undefined)?.err?.message), /^boom/);
    } finally {
      await faulty.close();
    }
  });

  test("the server goes on answering after them", async () => {
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });
});

// A server that changes a secret's letter case when it echoes it: the key refused in a 400 body
// uppercased ("key:SK-SUPERSECRET-ABC123XYZ") never reaches `hearth agent`'s output, the session file,
// the gateway's API answers (read with the official SDK), its live events or its log.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { openSse } from "../helpers/sse-client.js";

const KEY = "sk-supersecret-abc123xyz";
/** The key in any letter case, and its distinctive middle (what a partial mask would still show). */
const LEAK = /supersecret-abc123xyz/i;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("a key the server echoes in another letter case is masked everywhere", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const state = join(temp.dir, "state");
  let server: FakeServer;
  let file: string;
  let gateway: RunningGateway | undefined;

  before(async () => {
    // Refuses every request, quoting the key it got uppercased, and its percent-encoded copy.
    server = await startFakeServer((request) => {
      const key = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
      return { kind: "json", status: 400, body: { error: { message: `bad request for key:${key.toUpperCase()} (${encodeURIComponent(key).toUpperCase()})`, type: "invalid_request_error" } } };
    });
    file = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "p/m" } } },
        models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
      }`,
    );
  });
  after(async () => {
    await gateway?.stop();
    await server.close();
    temp.cleanup();
  });

  test("hearth agent: the failure is told with the key masked; the session file holds no copy", async () => {
    const result = await runCli(["--config", file, "agent", "--session", "upper", "--message", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad request for key:\*\*\*/);
    assert.doesNotMatch(result.stdout + result.stderr, LEAK);
    // The server really got the key, and really echoed it uppercased.
    assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${KEY}`));
    const session = readFileSync(join(state, "sessions", "upper.jsonl"), "utf8");
    assert.match(session, /bad request for key:\*\*\*/);
    assert.doesNotMatch(session, LEAK);
  });

  test("the gateway: agent and proxy answers, the live events, the session file and the log are masked", async () => {
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused-by-this-gateway", maxRetries: 0 });
    for (const model of ["hearth", "p/m"]) {
      const error = await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], user: "api-upper" }).then(
        () => assert.fail(`${model}: the request should fail`),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.match(error.message, /key:\*\*\*/, model);
      assert.doesNotMatch(`${error.message} ${JSON.stringify(error.error)}`, LEAK, model);
      // Streaming: the failure comes as an error status before any chunk, or as an error in the stream.
      const streamed = await (async () => {
        const chunks: unknown[] = [];
        try {
          const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: "user", content: "hi" }], user: "api-upper" });
          for await (const chunk of stream) chunks.push(chunk);
        } catch (caught) {
          chunks.push(caught instanceof OpenAI.APIError ? { message: caught.message, error: caught.error } : String(caught));
        }
        return JSON.stringify(chunks);
      })();
      assert.match(streamed, /key:\*\*\*/, model);
      assert.doesNotMatch(streamed, LEAK, model);
    }

    const events = await openSse(`${gateway.url}/api/events`);
    const posted = await fetch(`${gateway.url}/api/sessions/web-upper/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
    assert.equal(posted.status, 202);
    await events.next((message) => message.event === "turn-end");
    events.close();
    const seen = JSON.stringify(events.seen);
    assert.match(seen, /key:\*\*\*/);
    assert.doesNotMatch(seen, LEAK);
    const transcript = await (await fetch(`${gateway.url}/api/sessions/web-upper`)).text();
    assert.doesNotMatch(transcript, LEAK);

    await gateway.stop();
    const files = filesUnder(state);
    assert.ok(files.some((path) => path.endsWith("web-upper.jsonl")));
    assert.ok(files.some((path) => path.endsWith("gateway.log")));
    for (const path of files) assert.doesNotMatch(readFileSync(path, "utf8"), LEAK, path);
  });
});

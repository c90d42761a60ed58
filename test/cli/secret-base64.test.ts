// A key in base64: a server that echoes the `Authorization: Basic base64(user:key)` it built from the
// key (and the key in URL-safe base64 and in hex), and a tool's output holding a Basic header, never
// show the key's encoded bytes in `hearth agent`'s output, the session file, the gateway's answers
// or its log, or what the model is sent next.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";

// Not key-shaped (no "sk-"): only knowing the value can mask its encodings.
const KEY = "canary-basic-key-5e8d1c7a20";

/** The key's bytes as they show in base64 at each of the three alignments (both alphabets), and in hex: the middle of each, which no mask may leave. */
const ENCODED_MIDDLES = [0, 1, 2].flatMap((offset) => {
  const encoded = Buffer.from(`${"x".repeat(offset)}${KEY}`).toString("base64");
  const middle = encoded.slice(offset + 3, -4);
  return [middle, middle.replace(/\+/g, "-").replace(/\//g, "_")];
}).concat(Buffer.from(KEY).toString("hex").slice(4, -4));
// (base64 middles hold upper-case letters: lower-casing the text cannot make one of them appear.)

function assertNoEncodedKey(where: string, text: string): void {
  // Hex is matched in any letter case; base64 as encoded.
  for (const middle of ENCODED_MIDDLES) assert.ok(!text.includes(middle) && !text.toLowerCase().includes(middle), `${where} shows the key encoded (${middle}):\n${text}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("a server echoing the key in base64 (a Basic header) or hex", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const state = join(temp.dir, "state");
  let server: FakeServer;
  let file: string;

  before(async () => {
    server = await startFakeServer((request) => {
      const key = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
      const basic = Buffer.from(`hearth:${key}`).toString("base64");
      return { kind: "json", status: 400, body: { error: { message: `refused Authorization: Basic ${basic} (token ${Buffer.from(key).toString("base64url")}, hex ${Buffer.from(key).toString("hex")})`, type: "invalid_request_error" } } };
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
    await server.close();
    temp.cleanup();
  });

  test("hearth agent: the error is told with the encodings masked; the session file holds none", async () => {
    const result = await runCli(["--config", file, "agent", "--session", "basic", "--message", "hello"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 1);
    // The server really got the key and echoed it encoded.
    assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${KEY}`));
    assert.match(result.stderr, /refused Authorization: Basic [A-Za-z0-9+/]{0,10}\*\*\*[A-Za-z0-9+/=]{0,4} \(token [A-Za-z0-9_-]{0,2}\*\*\*[A-Za-z0-9_-]{0,4}, hex \*\*\*\)/);
    assertNoEncodedKey("hearth agent", result.stdout + result.stderr);
    const session = readFileSync(join(state, "sessions", "basic.jsonl"), "utf8");
    assert.match(session, /Basic [A-Za-z0-9+/]{0,10}\*\*\*/);
    assertNoEncodedKey("the session file", session);
  });

  test("the gateway: its API answer, the session file and the log", async () => {
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    try {
      for (const model of ["hearth", "p/m"]) {
        const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], user: "api-basic" }) });
        const body = await response.text();
        // The proxied model's answer quotes the server's error; the agent's says only that the model refused.
        if (model === "p/m") assert.match(body, /Basic [A-Za-z0-9+/]{0,10}\*\*\*/, body);
        assertNoEncodedKey(`the API answer (${model})`, body);
      }
      // A client's request whose path holds a Basic credential: the request log writes the path.
      for (const encoding of ["base64", "base64url"] as const) await (await fetch(`${gateway.url}/v1/basic/${Buffer.from(`hearth:${KEY}`).toString(encoding)}`)).text();
    } finally {
      await gateway.stop();
    }
    const files = filesUnder(state);
    assert.ok(files.some((path) => path.endsWith("gateway.log")));
    for (const path of files) assertNoEncodedKey(path, readFileSync(path, "utf8"));
    const log = readFileSync(files.find((path) => path.endsWith("gateway.log")) ?? "", "utf8");
    assert.match(log, /"path":"\/v1\/basic\/[A-Za-z0-9+/_-]{0,10}\*\*\*/, "the request log has the paths, masked");
  });
});

describe("a tool's output holding the key in a Basic header", () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  after(async () => {
    await server?.close();
    temp.cleanup();
  });

  test("exec cat (sandbox off): the model's next request and the output carry the key's base64 masked", async () => {
    const work = join(temp.dir, "work");
    mkdirSync(work);
    temp.write("work/request.txt", `GET / HTTP/1.1\nAuthorization: Basic ${Buffer.from(`deploy:${KEY}`).toString("base64")}\n`);
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        const last = turns[turns.length - 1];
        if (last?.role === "user") return { tool: "exec", arguments: { command: "cat", args: ["request.txt"] } };
        return { text: `Tool said: ${last?.text ?? ""}` };
      }),
    );
    const config = temp.write(
      "exec.json5",
      `{ agents: { defaults: { model: { primary: "p/m" }, tools: { exec: { commands: ["cat"], cwd: "${work}", sandbox: "off" } } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m" }] } } } }`,
    );
    const result = await runCli(["agent", "--config", config, "--message", "read it"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Tool said: exit code 0[\s\S]*Authorization: Basic [A-Za-z0-9+/]{0,10}\*\*\*/, "the file was read, the key's base64 masked");
    assertNoEncodedKey("what the model was sent", server.requests.map((request) => JSON.stringify(request.body)).join("\n"));
    assertNoEncodedKey("hearth agent", result.stdout + result.stderr);
  });
});

// A piece of the config's key (its first characters cut off) and the key in base32 — two forms a trial
// found passing the mask — through the real paths: a prompt-injected model running exec (`cut -c13-`,
// `base32`, `base32 -w0`, python3's `base64.b32encode`, lower case and unpadded) on a file holding the
// key, and a model server whose error echoes a piece of the key, proxied by the gateway and told by
// `hearth agent`. Neither the model nor any client is shown a window of the key in any of those forms.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { partialWindow } from "../../src/shared/secret-partial-runs.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

// Not key-shaped (no "sk-…"): only knowing the value can mask it.
const KEY = "canary-Pieces-4c9e1b7d2a8f5063";
const WINDOW = partialWindow(KEY.toLowerCase());

/** A run of `form` (any letter case) `length` long that stands in `text`, if one does. */
function leakedRun(text: string, form: string, length: number): string | undefined {
  const lower = text.toLowerCase();
  for (let at = 0; at + length <= form.length; at++) if (lower.includes(form.slice(at, at + length).toLowerCase())) return form.slice(at, at + length);
  return undefined;
}

describe("exec printing a piece of the key or its base32 reaches neither the model nor the user unmasked", { timeout: 120_000 }, () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  after(async () => {
    await server?.close();
    temp.cleanup();
  });

  test("cut -c13-, base32, base32 -w0, python3 base64.b32encode (upper, lower, unpadded) of a file holding the key: masked", async () => {
    const work = join(temp.dir, "work");
    mkdirSync(work);
    const content = `api_key=${KEY}\n`;
    temp.write("work/notes.txt", content);
    const runs: [string, ...string[]][] = [
      ["cut", "-c13-", "notes.txt"],
      ["base32", "notes.txt"],
      ["base32", "-w0", "notes.txt"],
      ["python3", "-c", "import base64; e = base64.b32encode(open('notes.txt', 'rb').read()).decode(); print(e); print(e.lower()); print(e.rstrip('=').lower())"],
    ];
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        const done = turns.filter((turn) => turn.role === "tool").length;
        const next = runs[done];
        if (next) return { tool: "exec", arguments: { command: next[0], args: next.slice(1) } };
        return { text: `Tool said:\n${turns.filter((turn) => turn.role === "tool").map((turn) => turn.text).join("\n")}` };
      }),
    );
    const configFile = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "p/m" }, tools: { exec: { commands: ["cut", "base32", "python3"], allowUnknownOptions: true, cwd: "${work}", sandbox: "off" } } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m" }] } } } }`,
    );
    const result = await runCli(["agent", "--config", configFile, "--message", "dump it"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 0, result.stderr);
    const sent = server.requests.map((request) => JSON.stringify(request.body)).join("\n");
    assert.equal(sent.match(/exit code 0/g)?.length, (runs.length * (runs.length + 1)) / 2, "every command ran, each output sent on with every later request");
    // The real tools' output of the key: the cut piece, and the base32 characters of the key's bytes ("api_key=" is 8 bytes: the key's begin at character 13).
    const cut = execFileSync("cut", ["-c13-", "notes.txt"], { cwd: work }).toString().trim();
    const encoded = execFileSync("base32", ["-w0", "notes.txt"], { cwd: work }).toString().slice(13, -8);
    assert.ok(cut.length > WINDOW && encoded.length > 40);
    for (const [where, text] of [["what the model was sent", sent], ["what hearth agent printed", result.stdout]] as const) {
      assert.equal(leakedRun(text, cut, WINDOW), undefined, `${where} shows the cut key:\n${text}`);
      assert.equal(leakedRun(text, encoded, 26), undefined, `${where} shows the key's base32:\n${text}`);
    }
    assert.match(result.stdout, /Tool said:/);
    assert.ok((result.stdout.match(/\*\*\*/g)?.length ?? 0) >= 6, result.stdout);
  });
});

describe("a server whose error echoes a piece of the key", { timeout: 120_000 }, () => {
  const temp = tempDir();
  let server: FakeServer;
  let gateway: RunningGateway;
  let file: string;
  const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
  /** What the server says: the key with its first four characters cut, its last four cut, and in base32 lower case. */
  const ECHO = `invalid x-api-key: ...${KEY.slice(4)} (or ${KEY.slice(0, -4)}...); b32 ${execFileSync("base32", ["-w0"], { input: KEY }).toString().toLowerCase()}`;

  before(async () => {
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        if (lastUser(turns) === "fine") return { text: "fine" };
        return { reply: { kind: "json", status: 401, body: { error: { message: ECHO, type: "authentication_error" } } } };
      }),
    );
    file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "p/m" } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${KEY}", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    gateway = await startGateway(["--config", file], env);
  });
  after(async () => {
    await gateway.stop();
    await server.close();
    temp.cleanup();
  });

  const assertMasked = (where: string, text: string): void => {
    assert.equal(leakedRun(text, KEY, WINDOW), undefined, `${where} shows a piece of the key:\n${text}`);
    assert.equal(leakedRun(text, execFileSync("base32", ["-w0"], { input: KEY }).toString().slice(1, -8), 26), undefined, `${where} shows the key's base32:\n${text}`);
  };

  test("proxy mode: the gateway's answer, streamed and not, quotes the error with the pieces masked", async () => {
    for (const stream of [false, true]) {
      const reply = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "p/m", stream, messages: [{ role: "user", content: "hi" }] }) });
      const body = await reply.text();
      assert.match(body, /invalid x-api-key: \.\.\.\*\*\* \(or \*\*\*\.\.\.\); b32 [a-z2-7]{0,3}\*\*\*/, body);
      assertMasked(`the proxied answer (stream: ${stream})`, body);
    }
    // The server really had the key, and echoed the pieces.
    assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${KEY}`));
  });

  test("hearth agent's error quoting the pieces: masked", async () => {
    const refused = await runCli(["agent", "--config", file, "--message", "hi"], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /invalid x-api-key: \.\.\.\*\*\*/, refused.stderr);
    assertMasked("hearth agent's error", refused.stdout + refused.stderr);
  });
});

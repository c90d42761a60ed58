import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";
import { mountTmpfs, remountReadOnly, runHearth } from "../helpers/state-faults.js";

/**
 * Issue 9's state-dir faults through the real `hearth gateway` (an attack run in session 3 found:
 * a state dir that is a file ended in "unexpected error … please report it"; a web chat message got
 * its 202 and then nothing — the failure went only to the log; `GET /api/sessions` answered
 * `{"sessions":[]}` for unreadable session files, and a generic 500 when sessions/ was a file).
 */
const SESSION_LINE = (text: string) =>
  `${JSON.stringify({ type: "session", version: 1, at: "2026-01-01T00:00:00.000Z", agent: "main" })}\n${JSON.stringify({ type: "user", id: "u1", at: "2026-01-01T00:00:00.000Z", text })}\n`;

describe("hearth gateway with a state dir it cannot use", { timeout: 60_000 }, () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const gateways: RunningGateway[] = [];
  const unmounts: (() => void)[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    for (const unmount of unmounts) unmount();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const configFile = async (): Promise<{ server: FakeServer; file: string }> => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "fine" })));
    servers.push(server);
    const file = temp.write(
      `config-${servers.length}.json5`,
      `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`,
    );
    return { server, file };
  };
  const posts = (server: FakeServer) => server.requests.filter((request) => request.method === "POST").length;
  const start = async (file: string, state: string): Promise<RunningGateway> => {
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    return gateway;
  };

  /** A web chat message: accepted, then a failed turn naming `path` and the fix reaches every listener. */
  async function webMessageFails(gateway: RunningGateway, path: string, what: RegExp): Promise<void> {
    const events = await openSse(`${gateway.url}/api/events`);
    try {
      const sent = await fetch(`${gateway.url}/api/sessions/web/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
      assert.ok(sent.status === 202 || sent.status >= 500, `status ${sent.status}`);
      const end = await events.next((message) => message.event === "turn-end");
      const result = (JSON.parse(end.data) as { result: { ok: boolean; error: string } }).result;
      assert.equal(result.ok, false);
      assert.ok(result.error.includes(path), result.error);
      assert.match(result.error, what);
      assert.match(result.error, /move .* aside|HEARTH_STATE_DIR|remount/, "says the fix");
      assert.doesNotMatch(result.error, /message is saved/);
    } finally {
      events.close();
    }
  }

  test("the state dir is a file: the gateway does not start, and says why (path, cause, fix), exit 1", async () => {
    const { file } = await configFile();
    const state = temp.write("state-is-a-file", "not a directory");
    const result = await runHearth(["gateway", "--port", "0", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /is a file where a directory should be/);
    assert.ok(result.stderr.includes(state), result.stderr);
    assert.match(result.stderr, /move .* aside|HEARTH_STATE_DIR/);
    assert.doesNotMatch(result.stderr, /unexpected error|please report/);
  });

  test("sessions/ is a file: /api/sessions, a web chat message and /v1 each say so, and no model is called", async () => {
    const { server, file } = await configFile();
    const state = join(temp.dir, "sessions-is-a-file");
    mkdirSync(state);
    writeFileSync(join(state, "sessions"), "");
    const gateway = await start(file, state);
    const list = await fetch(`${gateway.url}/api/sessions`);
    const listed = (await list.json()) as { error: { message: string } };
    assert.equal(list.status, 500);
    assert.match(listed.error.message, /cannot list the sessions in .*sessions is a file where a directory should be — move .* aside/);
    await webMessageFails(gateway, join(state, "sessions"), /is a file where a directory should be/);
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "hi" }] }) });
    const answer = (await chat.json()) as { error: { message: string } };
    assert.equal(chat.status, 500);
    assert.match(answer.error.message, /sessions is a file where a directory should be — move .* aside/);
    assert.equal(posts(server), 0, "no model is called for a message that could not be kept");
  });

  for (const [name, make, kind] of [
    ["a FIFO", (path: string) => execFileSync("mkfifo", [path]), /a named pipe \(FIFO\)/],
    ["a directory", (path: string) => mkdirSync(path), /a directory, not a regular file/],
  ] as const) {
    test(`a session file that is ${name}: listed as a problem beside the readable sessions; its message fails clearly`, async () => {
      const { server, file } = await configFile();
      const state = join(temp.dir, `session-${name.replace(/\W+/g, "-")}`);
      mkdirSync(join(state, "sessions"), { recursive: true });
      make(join(state, "sessions/web.jsonl"));
      writeFileSync(join(state, "sessions/other.jsonl"), SESSION_LINE("kept"));
      const gateway = await start(file, state);
      const list = (await (await fetch(`${gateway.url}/api/sessions`)).json()) as { sessions: { session: string }[]; problems: string[] };
      assert.deepEqual(
        list.sessions.map((listing) => listing.session),
        ["other"],
      );
      assert.equal(list.problems.length, 1);
      assert.ok(list.problems[0]?.includes(join(state, "sessions/web.jsonl")), list.problems[0]);
      assert.match(list.problems[0] ?? "", kind);
      await webMessageFails(gateway, join(state, "sessions/web.jsonl"), kind);
      assert.equal(posts(server), 0);
    });
  }

  test("a read-only file system (EROFS), real tmpfs: the gateway does not start, and says why", async (t) => {
    const state = join(temp.dir, "readonly");
    const unmount = mountTmpfs(state, { sizeKb: 256 });
    if (!unmount) return t.skip("mount is not permitted here");
    unmounts.push(unmount);
    const { server, file } = await configFile();
    mkdirSync(join(state, "logs"));
    mkdirSync(join(state, "sessions"));
    mkdirSync(join(state, "inbox"));
    writeFileSync(join(state, "logs/gateway.log"), "");
    writeFileSync(join(state, "sessions/other.jsonl"), SESSION_LINE("kept"));
    remountReadOnly(state);
    const result = await runHearth(["gateway", "--port", "0", "--config", file], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /read-only \(EROFS\)/);
    assert.ok(result.stderr.includes(state), result.stderr);
    assert.doesNotMatch(result.stderr, /unexpected error|please report/);
    assert.equal(posts(server), 0);
  });

  test("a disk that fills while the gateway runs (ENOSPC), real tmpfs: a web chat message fails clearly, no model called", async (t) => {
    const state = join(temp.dir, "full");
    const unmount = mountTmpfs(state, { sizeKb: 256 });
    if (!unmount) return t.skip("mount is not permitted here");
    unmounts.push(unmount);
    const { server, file } = await configFile();
    const gateway = await start(file, state);
    try {
      writeFileSync(join(state, "filler"), Buffer.alloc(1024 * 1024));
    } catch {
      // Full: what the test wants.
    }
    const events = await openSse(`${gateway.url}/api/events`);
    try {
      const sent = await fetch(`${gateway.url}/api/sessions/web/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "x".repeat(20_000) }) });
      assert.ok(sent.status === 202 || sent.status === 500, `status ${sent.status}`);
      // Taken in (202): its turn fails, said to every channel listening. Refused before that (500 not_kept: its journal could
      // not be written): no turn of it began, its sender alone is told (t19 #9).
      const error =
        sent.status === 202
          ? (JSON.parse((await events.next((message) => message.event === "turn-end")).data) as { result: { ok: boolean; error: string } }).result.error
          : ((await sent.json()) as { error: { message: string; code: string } }).error.message;
      assert.match(error, /the disk is full \(ENOSPC\)/);
      assert.ok(error.includes(state), error);
      // Either way the gateway holds it as a setup problem until a write succeeds (t19 #7).
      const setup = await events.next((message) => message.event === "setup" && message.data.includes("hearth cannot save to its state dir"));
      assert.match(setup.data, /the disk is full \(ENOSPC\)/);
    } finally {
      events.close();
    }
    assert.equal(posts(server), 0);
  });
});

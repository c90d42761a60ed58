import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";
import { mountTmpfs, runHearth } from "../helpers/state-faults.js";

/**
 * A disk that fills while the model writes its answer (trial t5, item 2), on a real tmpfs: the
 * model's server fills it when it gets the request. The user's message was saved before the call; the
 * answer cannot be: it is shown with an error that says exactly that, the session file holds whole
 * lines only, and the call is on the record.
 */
const ANSWER = `the long answer ${"lorem ipsum ".repeat(1200)}`.trim();

/** Fills the file system that holds `dir` (a filler file of up to 4 MiB; the tmpfs is far smaller). */
function fill(dir: string): void {
  try {
    writeFileSync(join(dir, "filler"), Buffer.alloc(4 * 1024 * 1024));
  } catch {
    // Full: what the test wants.
  }
}

/** Every line of a session file parses: a torn line fails the test. */
function entryTypes(file: string): string[] {
  const text = readFileSync(file, "utf8");
  assert.ok(text.endsWith("\n"), "the file ends with a whole line");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { type: string }).type);
}

describe("a disk that fills while the model answers (real tmpfs)", { timeout: 90_000 }, () => {
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
  /** A model that answers ANSWER, filling the state dir's disk first when `filling` says so. */
  const setup = async (name: string, t: { skip(message: string): void }) => {
    // Only sessions/ on the small disk: the gateway's log (beside it) tells what the gateway did.
    const state = join(temp.dir, name);
    const sessions = join(state, "sessions");
    const unmount = mountTmpfs(sessions, { sizeKb: 256 });
    if (!unmount) {
      t.skip("mount is not permitted here");
      return undefined;
    }
    unmounts.push(unmount);
    const control = { filling: false };
    const server = await startFakeServer(
      scriptedModel("openai-completions", () => {
        if (control.filling) fill(sessions);
        return { text: control.filling ? ANSWER : "fine" };
      }),
    );
    servers.push(server);
    const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 4096 }] } } } }`);
    const posts = () => server.requests.filter((request) => request.method === "POST").length;
    return { state, file, control, posts, free: () => rmSync(join(sessions, "filler"), { force: true }) };
  };

  test("hearth agent: the answer on stdout, the error on stderr saying what was kept, exit 1", async (t) => {
    const made = await setup("cli", t);
    if (!made) return;
    const { state, file, control, posts } = made;
    const env = { HEARTH_STATE_DIR: state };
    assert.equal((await runHearth(["agent", "--config", file, "-m", "first"], { env })).code, 0);
    control.filling = true;
    const result = await runHearth(["agent", "--config", file, "-m", "second"], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout.trim(), ANSWER, "the answer is shown");
    assert.match(result.stderr, /the disk is full \(ENOSPC\); nothing was written/);
    assert.match(result.stderr, /the session keeps your message, not the answer, shown here but not saved/);
    assert.doesNotMatch(result.stderr, /unexpected error|please report/);
    assert.equal(posts(), 2);
    assert.deepEqual(entryTypes(join(state, "sessions/main.jsonl")), ["session", "user", "assistant", "user"]);

    // A new session on the full disk: no model called, no empty file listed.
    const fresh = await runHearth(["agent", "--config", file, "-s", "fresh", "-m", "x".repeat(20_000)], { env });
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /the disk is full \(ENOSPC\); nothing was written/);
    assert.equal(posts(), 2, "no model is called for a message that could not be saved");
    assert.equal(existsSync(join(state, "sessions/fresh.jsonl")), false, "no empty session file");
    const list = await runHearth(["sessions", "list", "--json"], { env });
    assert.deepEqual((JSON.parse(list.stdout) as { sessions: { key: string }[] }).sessions.map((session) => session.key), ["main"]);
  });

  test("the HTTP API: 507 with the answer, the log line counts the call; the web API: the answer with the error", async (t) => {
    const made = await setup("gateway", t);
    if (!made) return;
    const { state, file, control, posts, free } = made;
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    const ask = (session: string, content: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": session }, body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content }] }) });
    assert.equal((await ask("full1", "first")).status, 200);
    control.filling = true;
    const response = await ask("full1", "more on a full disk");
    const body = (await response.json()) as { error: { message: string; code: string } };
    assert.equal(response.status, 507, JSON.stringify(body));
    assert.equal(body.error.code, "answer_not_saved");
    assert.match(body.error.message, /nothing was written/);
    assert.match(body.error.message, /the session keeps your message, not the answer/);
    assert.ok(body.error.message.endsWith(`the answer: ${ANSWER}`), body.error.message.slice(0, 600));
    // The log line is written as the reply goes: read until it is there.
    let logged: string | undefined;
    while (logged === undefined) {
      logged = readFileSync(join(state, "logs/gateway.log"), "utf8").split("\n").find((line) => line.includes('"answer":507'));
      if (logged === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match(logged ?? "", /"replies":1\b/, logged);
    assert.deepEqual(entryTypes(join(state, "sessions/full1.jsonl")), ["session", "user", "assistant", "user"]);

    // The web chat: the turn's end carries the answer beside the error.
    free();
    assert.equal(posts(), 2);
    const events = await openSse(`${gateway.url}/api/events`);
    try {
      const sent = await fetch(`${gateway.url}/api/sessions/web/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "hello" }) });
      assert.equal(sent.status, 202);
      const end = await events.next((message) => message.event === "turn-end");
      const result = (JSON.parse(end.data) as { result: { ok: boolean; error: string; unsavedAnswer?: string } }).result;
      assert.equal(result.ok, false);
      assert.equal(result.unsavedAnswer, ANSWER);
      assert.match(result.error, /the session keeps your message, not the answer/);
    } finally {
      events.close();
    }
    assert.deepEqual(entryTypes(join(state, "sessions/web.jsonl")), ["session", "user"]);
  });
});

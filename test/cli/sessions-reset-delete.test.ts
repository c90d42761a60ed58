import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { hearthBin, runCli, tempDir } from "../helpers/run-cli.js";
import { conversationOf, scriptedModel } from "../helpers/scripted-model.js";

function config(baseUrl: string): string {
  return `{ agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`;
}

describe("hearth sessions reset / delete", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });
  const setUp = async (name: string) => {
    const server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `seen ${turns.filter((turn) => turn.role === "user").length}` })));
    servers.push(server);
    const file = temp.write(`${name}.json5`, config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, name) };
    const say = async (message: string, session = "work"): Promise<string> => {
      const result = await runCli(["agent", "--config", file, "--session", session, "-m", message], { env });
      assert.equal(result.code, 0, result.stderr);
      return result.stdout;
    };
    return { server, env, say, file: join(temp.dir, name, "sessions/work.jsonl") };
  };

  test("reset: the next turn starts afresh; the transcript keeps what came before", async () => {
    const { server, env, say, file } = await setUp("reset");
    await say("remember the blue door");
    assert.equal(await say("and the red one"), "seen 2\n");
    const reset = await runCli(["sessions", "reset", "work"], { env });
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /Session "work" reset: the next message starts a fresh conversation/);
    assert.equal(await say("hello again"), "seen 1\n");
    const last = server.requests.filter((request) => request.method === "POST").pop()?.body as Record<string, unknown>;
    assert.deepEqual(conversationOf("openai-completions", last).filter((turn) => turn.role !== "system"), [{ role: "user", text: "hello again" }], "nothing from before the reset is sent");
    const show = await runCli(["sessions", "show", "work"], { env });
    assert.match(show.stdout, /remember the blue door[\s\S]*_New conversation · [^_]+_[\s\S]*hello again/, "the transcript keeps it all");
    assert.match(show.stdout, /^_Reset once, last at [^:]+:\d\d:\d\d[^_]*: the conversation that goes on is after the last "New conversation"/m, "its head says it was reset");
    assert.match(readFileSync(file, "utf8"), /"type":"reset"/);

    const json = await runCli(["sessions", "reset", "work", "--json"], { env });
    assert.deepEqual(JSON.parse(json.stdout), { session: "work", reset: true });
    const missing = await runCli(["sessions", "reset", "nope"], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no session "nope" \(sessions: work\)/);
  });

  test("list after a reset: the new conversation's turns and last message, and when it was reset (text and --json)", async () => {
    const { env, say } = await setUp("list-reset");
    await say("remember the blue door");
    await say("and the red one");
    const before = await runCli(["sessions", "list", "--json"], { env });
    assert.deepEqual((JSON.parse(before.stdout) as { sessions: { turns: number; lastText: string; reset?: unknown }[] }).sessions.map(({ turns, lastText, reset }) => ({ turns, lastText, reset })), [{ turns: 2, lastText: "and the red one", reset: undefined }]);

    assert.equal((await runCli(["sessions", "reset", "work"], { env })).code, 0);
    const json = await runCli(["sessions", "list", "--json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const [reset] = (JSON.parse(json.stdout) as { sessions: { key: string; turns: number; lastText: string; reset?: { at: string; earlierTurns: number }; cost: number }[] }).sessions;
    assert.equal(reset?.turns, 0, "no turn since the reset");
    assert.equal(reset?.lastText, "", "the last message from before the reset is not the session's last message any more");
    assert.equal(reset?.reset?.earlierTurns, 2);
    assert.ok(reset && !Number.isNaN(Date.parse(reset.reset?.at ?? "")), json.stdout);
    const text = await runCli(["sessions", "list"], { env });
    assert.equal(text.code, 0, text.stderr);
    const row = text.stdout.split("\n").find((line) => line.startsWith("work "));
    assert.ok(row, text.stdout);
    assert.doesNotMatch(row, /red one/);
    assert.match(row, /\b0 since reset\b/);
    assert.match(row, /\(reset \d{4}-\d\d-\d\d \d\d:\d\d[^)]*: nothing said since\)/);

    await say("hello again");
    const after = JSON.parse((await runCli(["sessions", "list", "--json"], { env })).stdout) as { sessions: { turns: number; lastText: string; reset?: { earlierTurns: number } }[] };
    assert.deepEqual(after.sessions.map(({ turns, lastText, reset }) => ({ turns, lastText, earlierTurns: reset?.earlierTurns })), [{ turns: 1, lastText: "hello again", earlierTurns: 2 }]);
    assert.match((await runCli(["sessions", "list"], { env })).stdout, /^work .*\b1 since reset\b.*hello again$/m);
  });

  test("delete: in a pipe without --yes it refuses (exit 2) and says to pass --yes; with --yes it deletes", async () => {
    const { env, say, file } = await setUp("delete");
    await say("something to forget");
    await say("kept", "other");
    const refused = await runCli(["sessions", "delete", "work"], { env, input: "y\n" });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /not asking without a terminal; pass --yes to delete session "work"/);
    assert.ok(existsSync(file), "nothing deleted without --yes");

    const deleted = await runCli(["sessions", "delete", "work", "--yes"], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /Deleted session "work"/);
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(`${file}.lock`), false, "the lock taken for the delete is gone");
    const list = await runCli(["sessions", "list"], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /^work /m);
    assert.match(list.stdout, /^other /m);
    const again = await runCli(["sessions", "delete", "work", "--yes"], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no session "work"/);
  });

  test("delete on a terminal asks first: no keeps the session (exit 1), yes deletes it", async (t) => {
    if (spawnSync("script", ["--version"]).status !== 0) return t.skip("no `script` here to give the command a terminal");
    const { env, say, file } = await setUp("delete-tty");
    await say("keep me?");
    const onTerminal = (answer: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn("script", ["-qefc", `${process.execPath} ${hearthBin} sessions delete work`, "/dev/null"], {
          env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", TERM: "dumb", ...env },
          stdio: ["pipe", "pipe", "pipe"],
        });
        const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += String(chunk);
          if (output.includes("[y/N]") && !child.stdin.writableEnded) child.stdin.end(answer);
        });
        child.once("exit", (code) => {
          clearTimeout(killer);
          resolve({ code, output });
        });
      });
    const declined = await onTerminal("n\n");
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, /Delete session "work" \(1 turn, \S+work\.jsonl\)\? This cannot be undone\. \[y\/N\]/);
    assert.match(declined.output, /Nothing deleted/);
    assert.ok(existsSync(file));
    const accepted = await onTerminal("y\n");
    assert.equal(accepted.code, 0, accepted.output);
    assert.match(accepted.output, /Deleted session "work"/);
    assert.equal(existsSync(file), false);
  });
});

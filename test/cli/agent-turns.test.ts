import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";
import { strictModel, userTexts } from "../helpers/strict-model.js";

function config(baseUrl: string, options: { contextWindow?: number; maxTokens?: number; extra?: string } = {}): string {
  return `{ agents: { defaults: { model: "local/m", ${options.extra ?? ""} } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: ${options.contextWindow ?? 32768}, maxTokens: ${options.maxTokens ?? 1024} }] } } } }`;
}

const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");
const lastPost = (server: FakeServer): RecordedRequest | undefined => posts(server).pop();

describe("turns that got no answer never poison the session", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });
  const start = async (handler: Parameters<typeof startFakeServer>[0]): Promise<FakeServer> => {
    const server = await startFakeServer(handler);
    servers.push(server);
    return server;
  };

  test("a turn refused as a bad request is marked permanent and left out of every later request", async () => {
    const problems: string[] = [];
    const server = await start(
      strictModel((turns) => {
        if (/poison/.test(lastUser(turns))) return { reply: { kind: "json", status: 400, body: { error: { message: "Invalid 'messages[1].content': unsupported characters", type: "invalid_request_error" } } } };
        return { text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` };
      }, problems),
    );
    const file = temp.write("bad.json5", config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "bad") };
    assert.equal((await runCli(["agent", "--config", file, "-m", "hello"], { env })).code, 0);
    const bad = await runCli(["agent", "--config", file, "-m", "poison pill"], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /left out of later turns/);
    const next = await runCli(["agent", "--config", file, "-m", "still there?"], { env });
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.stdout, "seen: hello | still there?\n");
    assert.deepEqual(userTexts(lastPost(server)), ["hello", "still there?"]);
    assert.deepEqual(problems, [], "roles alternate in every request");
    const failed = (await new JsonlSessionStore(join(temp.dir, "bad")).read("main")).entries.find((entry) => entry.type === "turn-failed");
    assert.equal(failed?.type === "turn-failed" ? failed.cause : undefined, "permanent");
  });

  test("a transient failure is left out until --retry resends it, once, explicitly", async () => {
    const problems: string[] = [];
    let down = false;
    const server = await start(
      strictModel((turns) => {
        // Busy (an overload), not "Loading model": that one is a cold load, waited for (docs/routing.md).
        if (down) return { reply: { kind: "json", status: 503, body: { error: { message: "server busy, try again", type: "unavailable_error", code: 503 } } } };
        return { text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` };
      }, problems),
    );
    const file = temp.write("flaky.json5", config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "flaky") };
    assert.equal((await runCli(["agent", "--config", file, "-m", "hello"], { env })).code, 0);
    down = true;
    const lost = await runCli(["agent", "--config", file, "-m", "first try"], { env });
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, /`\S*hearth --config \S+ agent --retry` sends it again, `\S*hearth --config \S+ models status --probe` shows what is wrong/);

    // In another session: the hint names it (and the config), and pasted as printed it resends that message.
    const other = await runCli(["agent", "--config", file, "-s", "side", "-m", "aside"], { env });
    assert.equal(other.code, 1);
    const hinted = /`(\S*hearth (--config [^`]*--retry))`/.exec(other.stderr);
    assert.ok(hinted, other.stderr);
    assert.equal(hinted[2], `--config ${file} agent -s side --retry`);
    down = false;
    const pasted = await runCli([...(hinted[2] as string).split(" "), "--json"], { env });
    assert.equal(pasted.code, 0, pasted.stderr);
    assert.equal((JSON.parse(pasted.stdout) as { text: string; session: string }).session, "side");

    const retried = await runCli(["agent", "--config", file, "--json", "--retry"], { env });
    assert.equal(retried.code, 0, retried.stderr);
    assert.equal((JSON.parse(retried.stdout) as { text: string }).text, "seen: hello | first try");
    assert.deepEqual(userTexts(lastPost(server)), ["hello", "first try"], "resent once, not merged");

    down = true;
    assert.equal((await runCli(["agent", "--config", file, "-m", "second try"], { env })).code, 1);
    down = false;
    const moved = await runCli(["agent", "--config", file, "-m", "never mind"], { env });
    assert.equal(moved.stdout, "seen: hello | first try | never mind\n", "the failed message is not merged into the next one");
    // `--retry` sends the latest message that got no answer, though another was answered since: said to be that one's answer.
    const earlier = await runCli(["agent", "--config", file, "--retry"], { env });
    assert.equal(earlier.code, 0, earlier.stderr);
    assert.equal(earlier.stdout, "seen: hello | first try | never mind | second try\n");
    assert.match(earlier.stderr, /the answer that follows is to the message sent again: “second try”/);
    const nothing = await runCli(["agent", "--config", file, "--retry"], { env });
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /nothing to retry: every message of this conversation got its answer \(or there is none\)\. \(session main\)/);
    assert.deepEqual(problems, [], "roles alternate in every request");
    const entries = (await new JsonlSessionStore(join(temp.dir, "flaky")).read("main")).entries;
    assert.equal(entries.filter((entry) => entry.type === "user").length, 6, "every message is in the transcript");
    assert.ok(entries.some((entry) => entry.type === "user" && entry.retryOf !== undefined), "the resend says what it resends");
  });

  test("/retry in chat resends the message that got no answer, once; with nothing unanswered it says so", async () => {
    const problems: string[] = [];
    let calls = 0;
    const server = await start(
      strictModel((turns) => {
        calls++;
        if (calls === 1) return { reply: { kind: "json", status: 503, body: { error: { message: "server busy, try again", type: "unavailable_error", code: 503 } } } };
        return { text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` };
      }, problems),
    );
    const file = temp.write("chat-retry.json5", config(server.baseUrl));
    const chat = await runCli(["chat", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "chat-retry") }, input: "are you up?\n/retry\nand now?\n/retry\n" });
    assert.match(chat.stderr, /no answer: .*\n\(your message is saved; \/retry sends it again/);
    assert.deepEqual(chat.stdout.split("\n"), ["seen: are you up?", "seen: are you up? | and now?", "Nothing to retry: every message of this conversation got its answer (or there is none).", ""]);
    assert.deepEqual(problems, []);
  });

  test("a message larger than every window in the chain is refused before any call, with the sizes and the fix", async () => {
    const server = await start(strictModel((turns) => ({ text: `seen ${turns.filter((turn) => turn.role === "user").length}` })));
    const file = temp.write("huge.json5", config(server.baseUrl, { contextWindow: 8192, maxTokens: 1024 }));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "huge") };
    const huge = await runCli(["agent", "--config", file, "-m", "x".repeat(60_000)], { env });
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /the message is too large: about 15,000 tokens, and the largest window in the chain \(local\/m, 8,192 tokens\) leaves about [\d,]+ for a message/);
    assert.match(huge.stderr, /Split it, or attach it as a file\. Nothing was sent\./);
    assert.equal(posts(server).length, 0, "it never reached the server");
    const next = await runCli(["agent", "--config", file, "-m", "small one"], { env });
    assert.equal(next.stdout, "seen 1\n", next.stderr);
    assert.deepEqual(userTexts(lastPost(server)), ["small one"]);
  });

  test("hosted fallbacks without a key do not count: a message too large for the callable models is refused before any call", async () => {
    const server = await start(strictModel((turns) => ({ text: `seen ${turns.filter((turn) => turn.role === "user").length}` })));
    const file = temp.write(
      "huge-keyless.json5",
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["anthropic/claude-opus-4-5"] } } },
        models: { providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 1024 }] } } } }`,
    );
    const huge = await runCli(["agent", "--config", file, "-m", "x".repeat(60_000)], { env: { HEARTH_STATE_DIR: join(temp.dir, "huge-keyless"), ANTHROPIC_API_KEY: "" } });
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /the message is too large: about 15,000 tokens, and the largest window in the chain \(local\/m, 8,192 tokens\)/);
    assert.equal(posts(server).length, 0, "it never reached the server");
  });

  test("--new starts a fresh history; chat says at once that no model is configured, and those messages never reach a model", async () => {
    const server = await start(strictModel((turns) => ({ text: `seen: ${turns.filter((turn) => turn.role === "user").map((turn) => turn.text).join(" | ")}` })));
    const file = temp.write("fresh.json5", config(server.baseUrl));
    const empty = temp.write("empty.json5", `{ models: { mode: "replace", providers: {} } }`);
    const env = { HEARTH_STATE_DIR: join(temp.dir, "fresh") };
    const chat = await runCli(["chat", "--config", empty], { env, input: "hello\nhello\nhello\n" });
    assert.match(chat.stderr.split("\n")[0] ?? "", /^no model is configured: set agents\.defaults\.model\.primary \(`\.\/bin\/hearth --config \S+ init` writes a starter config\); until then messages get no answer$/);
    const first = await runCli(["agent", "--config", file, "-m", "my name is Ana"], { env });
    assert.equal(first.stdout, "seen: my name is Ana\n", "the hellos typed before a model existed are not merged in");
    const fresh = await runCli(["agent", "--config", file, "--new", "-m", "who am I?"], { env });
    assert.equal(fresh.stdout, "seen: who am I?\n", fresh.stderr);
    const alone = await runCli(["agent", "--config", file, "--new"], { env });
    assert.equal(alone.stdout, "Started a fresh conversation.\n");
    assert.equal((await runCli(["agent", "--config", file, "-m", "again"], { env })).stdout, "seen: again\n");
  });

  test("the cut-off notice quotes the reply limit the request carried", async () => {
    // A reply that stops at its token limit, as every server marks it: finish_reason "length".
    const server = await start((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      const frames = [
        { data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Once upon a" }, finish_reason: null }] }) },
        { data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) },
        { data: "[DONE]" },
      ];
      return { kind: "sse", frames };
    });
    const file = temp.write("cut.json5", config(server.baseUrl, { maxTokens: 128 }));
    const result = await runCli(["agent", "--config", file, "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "cut") } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((lastPost(server)?.body as { max_tokens: number }).max_tokens, 128);
    assert.match(result.stderr, /the answer was cut off at the reply limit \(128 tokens: [\w/.-]+'s maxTokens in the config\)/);
  });

  test("the same tool call with the same arguments a third time stops the turn with a notice", async () => {
    const server = await start(strictModel(() => ({ tool: "time", arguments: { timezone: "UTC" } })));
    const file = temp.write("loop.json5", config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "loop") };
    const result = await runCli(["agent", "--config", file, "-m", "what time is it?"], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stopped: the same time call with the same arguments was made 3 times this turn/);
    // No answer: stdout says why (not an empty line that reads as one), and --json carries it as `stopped`.
    assert.equal(result.stdout, "(no answer — stopped: the same time call with the same arguments was made 3 times this turn (a tool loop; maxRepeatedToolCalls))\n");
    assert.equal(posts(server).length, 3, "well before maxSteps (8)");
    const json = JSON.parse((await runCli(["agent", "--config", file, "--json", "-m", "and now?"], { env })).stdout) as { text: string; stopped?: string };
    assert.deepEqual([json.text, json.stopped], ["", "stopped: the same time call with the same arguments was made 3 times this turn (a tool loop; maxRepeatedToolCalls)"]);
    const limited = temp.write("loop2.json5", config(server.baseUrl, { extra: "maxRepeatedToolCalls: 2," }));
    const before = posts(server).length;
    await runCli(["agent", "--config", limited, "--new", "-m", "time?"], { env });
    assert.equal(posts(server).length - before, 2, "maxRepeatedToolCalls sets the limit");
  });
});

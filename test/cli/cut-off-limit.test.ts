import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

/**
 * Trial: an answer the model's context cut off (the prompt and the answer filled the window) was said to
 * be cut off "at the reply limit", whose fix — a larger maxTokens — does nothing. The note says which
 * limit it was, with the numbers, in `agent` and `chat` alike (one notice, which the web chat and WhatsApp show too).
 */
describe("a cut-off answer says which limit cut it", () => {
  const temp = tempDir();
  let server: FakeServer;
  /** The usage the next answer reports, stopped for length. */
  let usage = { input: 1900, output: 148 };
  before(async () => {
    server = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "Once upon a time there was", usage, finishReason: "length" }) }));
  });
  after(async () => {
    temp.cleanup();
    await server.close();
  });

  const config = (): string =>
    temp.write("window.json5", `{ agents: { defaults: { model: { primary: "local/m" }, models: { "local/m": { alias: "Local" } } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 512 }] } } } }`);

  test("the context ran out (prompt + answer reached the window, the answer below its limit): the model's context, with the numbers", async () => {
    usage = { input: 1900, output: 148 };
    const file = config();
    const result = await runCli(["agent", "--config", file, "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "window") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^the answer was cut off at the model's context window: the prompt \(1900 tokens\) and the answer \(148\) filled its 2048, below the reply limit \(512\); \/compact or \/new makes room, or load the model with a larger context$/m, result.stderr);
    assert.doesNotMatch(result.stderr, /reply limit \(512 tokens/);
    const chat = await runCli(["chat", "--config", file], { env: { HEARTH_STATE_DIR: join(temp.dir, "window-chat") }, input: "tell me a story\n" });
    assert.match(chat.stderr, /cut off at the model's context window: the prompt \(1900 tokens\) and the answer \(148\) filled its 2048/, chat.stderr);
  });

  test("/retry after a cut-off answer sends the message again, in place of the cut-off answer (chat, and agent --retry)", async () => {
    usage = { input: 1900, output: 148 };
    const file = config();
    const env = { HEARTH_STATE_DIR: join(temp.dir, "retry") };
    const posts = (): { messages: { role: string; content: unknown }[] }[] => server.requests.filter((request) => request.method === "POST").map((request) => request.body as { messages: { role: string; content: unknown }[] });
    const before = posts().length;
    const chat = await runCli(["chat", "--config", file], { env, input: "tell me a story\n/retry\n" });
    assert.equal(chat.code, 0, chat.stderr);
    assert.doesNotMatch(chat.stdout + chat.stderr, /Nothing to retry/);
    const sent = posts().slice(before);
    assert.equal(sent.length, 2, "the message, then its resend");
    const turns = (body: { messages: { role: string; content: unknown }[] }): string[] => body.messages.filter((message) => message.role !== "system").map((message) => `${message.role}: ${JSON.stringify(message.content)}`);
    assert.deepEqual(turns(sent[1] as never).length, 1, turns(sent[1] as never).join("\n"));
    assert.match(turns(sent[1] as never)[0] ?? "", /^user: .*tell me a story/);
    // And once more from another command: the resend's own cut-off answer is retried the same way.
    const again = await runCli(["agent", "--config", file, "--retry"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(turns(posts().at(-1) as never).map((line) => line.split(":")[0]), ["user"]);
  });

  test("the answer reached its reply limit, the model's maxTokens: the reply limit, where it comes from and the fix that raises it", async () => {
    usage = { input: 40, output: 512 };
    const result = await runCli(["agent", "--config", config(), "-m", "tell me a story"], { env: { HEARTH_STATE_DIR: join(temp.dir, "reply") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^the answer was cut off at the reply limit \(512 tokens: local\/m's maxTokens in the config\); ask to continue, or raise maxTokens there$/m, result.stderr);
  });
});

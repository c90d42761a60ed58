// One count of a prompt's size, the server's: a real llama-server whose tiny model's tokenizer counts
// about 2.4 tokens for each of hearth's four-characters-a-token estimate (its /tokenize says so). The
// "stuck" first-token limit and the words of a wait count the prompt as the server does (the limit
// divides it by a rate learnt in the server's tokens); proxy mode's size words say the same count as
// agent mode's; a reply limit taken from the served window says so, and names the fix that raises it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

const count = (words: string): number => Number(words.replaceAll(",", ""));

/** The server's own count of `text` (its tokenizer, no template around it). */
async function tokenized(server: RealServer, text: string): Promise<number> {
  const response = await fetch(`${server.url}/tokenize`, { method: "POST", body: JSON.stringify({ content: text }) });
  return ((await response.json()) as { tokens: unknown[] }).tokens.length;
}

describe("a prompt's size is the server's count (llama-server, stories260k's dense tokenizer)", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 1024 });
  });
  after(async () => {
    server.resume();
    temp.cleanup();
    await server.kill();
  });

  test("a stopped server: the wait's words and the 'stuck' message give the prompt as the server counts it, not a third of it", { timeout: 120_000 }, async () => {
    const file = temp.write("stuck.json5", realConfig(server, { contextWindow: 1024 }));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "stuck-state") });
    try {
      const ask = (stream: boolean, text: string): Promise<Response> =>
        fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-hearth-session": "count" }, body: JSON.stringify({ model: "hearth", stream, messages: [{ role: "user", content: text }] }) });
      const warm = (await (await ask(false, "Tell me a story.")).json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
      // The next prompt holds this one, its answer and a new message: the server would count more than this.
      const before = warm.usage.prompt_tokens;
      assert.ok(before > 200, `the server counts the first prompt at ${before}`);
      server.stop();
      const body = await (await ask(true, "And then?")).text();
      const said = [...body.matchAll(/prompt (?:is )?([\d,]+) tokens/g)].map((match) => count(match[1] ?? "0"));
      assert.ok(said.length > 0, `the prompt's size is said: ${body}`);
      for (const tokens of said) assert.ok(tokens >= before && tokens < before * 2, `the prompt said at ${tokens} tokens; the server counted ${before} for the one before it: ${body}`);
      assert.match(body, /looks stuck/, body);
    } finally {
      server.resume();
      await gateway.stop();
    }
  });

  test("proxy mode's size words: the server's count (as agent mode's), and no 'system prompt about 0 tokens' for a request without one", { timeout: 60_000 }, async () => {
    const file = temp.write("proxy.json5", realConfig(server, { contextWindow: 4096, maxTokens: 256 }));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "proxy-state") });
    try {
      const ask = (model: string, text: string): Promise<Response> =>
        fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: text }] }) });
      assert.equal((await ask(`llama/${server.alias}`, "Tell me a story.")).status, 200);
      const long = "Once upon a time there was a little girl named Lily who loved to play in the park with her friends. ".repeat(60);
      const refused = await ask(`llama/${server.alias}`, long);
      const error = ((await refused.json()) as { error: { message: string } }).error.message;
      assert.equal(refused.status, 400, error);
      const proxied = /the messages ([\d,]+)\)/.exec(error);
      assert.ok(proxied, error);
      // Agent mode's words for the same message, on the same model: its messages are counted alike.
      const agentError = ((await (await ask("hearth", long)).json()) as { error: { message: string } }).error.message;
      const agent = /the message is too large: about ([\d,]+) tokens/.exec(agentError);
      assert.ok(agent, agentError);
      const [said, planned] = [count(proxied[1] ?? "0"), count(agent[1] ?? "0")];
      assert.ok(Math.abs(said - planned) <= planned * 0.02, `proxy mode says the messages take ${said} tokens, agent mode ${planned}: ${error}\n${agentError}`);
      // Neither is the four-characters-a-token guess: the server counts this message at more than it.
      const tokens = await tokenized(server, long);
      assert.ok(tokens > long.length / 4, `the server counts ${tokens}`);
      assert.ok(said > long.length / 4, `said ${said}, above the plain estimate ${long.length / 4}: ${error}`);
      assert.doesNotMatch(error, /system prompt about 0/, error);
    } finally {
      await gateway.stop();
    }
  });

  test("a reply cut at a quarter of the served window says so, and the fix that raises it (not maxTokens)", { timeout: 60_000 }, async () => {
    const file = temp.write("cut.json5", realConfig(server, { contextWindow: 4096, maxTokens: 1024 }));
    const result = await runCli(["agent", "--config", file, "-m", "Tell me a story."], { env: { HEARTH_STATE_DIR: join(temp.dir, "cut-state") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^the answer was cut off at the reply limit \(256 tokens: a quarter of the 1,024-token window the server runs llama\/stories260k with\); ask to continue, or restart the server with a larger context \(llama\.cpp: a larger -c\)$/m, result.stderr);
    assert.doesNotMatch(result.stderr, /raise maxTokens/);
  });
});

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel, type Step, type Turn } from "../helpers/scripted-model.js";

// What one turn's tools may add: so many calls of one reply run, so many characters of results are kept.

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
}

const posts = (server: FakeServer): RecordedRequest[] => server.requests.filter((request) => request.method === "POST");
const toolMessages = (request: RecordedRequest | undefined): ChatMessage[] => ((request?.body as { messages?: ChatMessage[] } | undefined)?.messages ?? []).filter((message) => message.role === "tool");
const text = (message: ChatMessage | undefined): string => (typeof message?.content === "string" ? message.content : JSON.stringify(message?.content ?? ""));

/** One reply asking for `count` different calls of `tool` (arguments from `args`), then a text answer once results came back. */
function manyCalls(count: number, tool: string, args: (index: number) => Record<string, unknown>): (turns: Turn[]) => Step {
  return (turns) => {
    if (turns.some((turn) => turn.role === "tool")) return { text: "done" };
    const toolCalls = Array.from({ length: count }, (_unused, index) => ({ id: `call_${index}`, name: tool, arguments: JSON.stringify(args(index)) }));
    return { reply: { kind: "sse", frames: completionsStream({ toolCalls, finishReason: "tool_calls" }) } };
  };
}

function config(baseUrl: string, extra = ""): string {
  return `{ agents: { defaults: { model: "local/m", ${extra} } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 131072, maxTokens: 1024 }] } } } }`;
}

describe("a turn's tool calls and tool output are capped", () => {
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

  test("a reply with 25 different calls runs 10; the other 15 get an error result the model reads", async () => {
    const server = await start(scriptedModel("openai-completions", manyCalls(25, "time", (index) => ({ timezone: `Etc/GMT${index % 2 === 0 ? "-" : "+"}${(index >> 1) + 1}` }))));
    const result = await runCli(["agent", "--config", temp.write("calls.json5", config(server.baseUrl)), "-m", "what time is it everywhere?"], { env: { HEARTH_STATE_DIR: join(temp.dir, "calls") } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "done\n");
    assert.match(result.stderr, /15 of the 25 tool calls of one reply were not run \(maxToolCallsPerReply 10\)/);
    const results = toolMessages(posts(server)[1]);
    assert.equal(results.length, 25, "every call has its result");
    const refused = results.filter((message) => /^Not run: this reply asked for 25 tool calls, and at most 10 run per reply \(maxToolCallsPerReply\)/.test(text(message)));
    assert.deepEqual(
      refused.map((message) => message.tool_call_id),
      Array.from({ length: 15 }, (_unused, index) => `call_${index + 10}`),
    );
    const limited = await runCli(["agent", "--config", temp.write("calls3.json5", config(server.baseUrl, "maxToolCallsPerReply: 3,")), "--new", "-m", "again"], { env: { HEARTH_STATE_DIR: join(temp.dir, "calls") } });
    assert.match(limited.stderr, /22 of the 25 tool calls of one reply were not run \(maxToolCallsPerReply 3\)/);
  });

  test("past the turn's output limit results are cut with a note; the session keeps what the model got", async () => {
    const files = join(temp.dir, "files");
    mkdirSync(files);
    for (const name of ["a", "b", "c"]) temp.write(join("files", `${name}.txt`), `${name.toUpperCase()}-CONTENT `.repeat(70));
    const server = await start(scriptedModel("openai-completions", manyCalls(3, "exec", (index) => ({ command: "cat", args: [`${"abc"[index]}.txt`] }))));
    const tools = `tools: { exec: { commands: ["cat"], cwd: ${JSON.stringify(files)}, sandbox: "off" } },`;
    const state = join(temp.dir, "output");
    const result = await runCli(["agent", "--config", temp.write("output.json5", config(server.baseUrl, `maxToolOutputPerTurn: 1000, ${tools}`)), "-m", "read them"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /this turn's tool results reached 1,000 characters \(maxToolOutputPerTurn\); later ones are cut/);
    const [first, second, third] = toolMessages(posts(server)[1]).map(text);
    assert.match(first ?? "", /^exit code 0\n.*\n(A-CONTENT ){69}A-CONTENT\n<<<end-untrusted-[0-9a-f]+>>>$/, "the first result is whole");
    for (const cut of [second, third]) {
      assert.match(cut ?? "", /^\[[0-9,]+ characters of this result cut: this turn's tool results reached their limit of 1,000 characters \(maxToolOutputPerTurn\)\. Answer with what you have, or ask for less\.\]$/);
    }
    const session = readFileSync(join(state, "sessions", "main.jsonl"), "utf8");
    assert.match(session, /A-CONTENT/);
    assert.doesNotMatch(session, /B-CONTENT|C-CONTENT/, "what was cut is not stored either");
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer, type RecordedRequest, type Reply } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser, type Step, type Turn } from "../helpers/scripted-model.js";
import { strictModel } from "../helpers/strict-model.js";

const SUMMARY_SAYS = /Summary so far|Conversation to add/;
const REAL_WINDOW = 1_024;

/** The server's count of a request's prompt: about four characters a token, as its usage reports it. */
const promptTokens = (request: RecordedRequest): number => Math.ceil(JSON.stringify(request.body).length / 4);

/** llama.cpp's real words when a prompt does not fit the slot's n_ctx (HTTP 400, exceed_context_size_error). */
function llamaCppOverflow(tokens: number): Reply {
  return {
    kind: "json",
    status: 400,
    body: { error: { code: 400, message: `request (${tokens} tokens) exceeds the available context size (${REAL_WINDOW} tokens), try increasing it`, type: "exceed_context_size_error", n_prompt_tokens: tokens, n_ctx: REAL_WINDOW } },
  };
}

/** A server whose loaded context (1,024) is far below the configured one: every prompt over it overflows. */
function smallServer(summarize: (turns: Turn[], request: RecordedRequest) => Step) {
  return strictModel((turns, request) => {
    if (promptTokens(request) > REAL_WINDOW) return { reply: llamaCppOverflow(promptTokens(request)) };
    if (SUMMARY_SAYS.test(lastUser(turns))) return summarize(turns, request);
    return { text: `Noted ${/^turn (\d+)/.exec(lastUser(turns))?.[1] ?? "?"}.` };
  });
}

function config(baseUrl: string): string {
  return `{ agents: { defaults: { model: "local/m" } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 4096, maxTokens: 256 }] } } } }`;
}

interface TurnJson {
  text?: string;
  error?: string;
  compaction?: { outcome: string; reason?: string };
}

describe("a session that outgrows the server's real window keeps going", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  async function talk(name: string, server: FakeServer, turns: number): Promise<TurnJson[]> {
    const file = temp.write(`${name}.json5`, config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, name) };
    const answers: TurnJson[] = [];
    for (let turn = 1; turn <= turns; turn++) {
      const result = await runCli(["agent", "--config", file, "--json", "-m", `turn ${turn}: ${"a few words about the day and the weather. ".repeat(6)}`], { env });
      const answer = JSON.parse(result.stdout) as TurnJson;
      assert.equal(result.code, 0, `turn ${turn}: ${result.stderr}`);
      assert.equal(answer.text, `Noted ${turn}.`);
      answers.push(answer);
    }
    return answers;
  }

  test("the window named in the overflow is learned; the summary request fits it, and the session continues", async () => {
    const summaryRequests: RecordedRequest[] = [];
    const server = await startFakeServer(
      smallServer((_, request) => {
        summaryRequests.push(request);
        return { text: "SUMMARY: the user told about their days." };
      }),
    );
    servers.push(server);
    const answers = await talk("learned", server, 12);
    assert.ok(answers.some((answer) => answer.compaction?.outcome === "compacted"), JSON.stringify(answers.map((answer) => answer.compaction)));
    assert.ok(summaryRequests.length > 0);
    for (const request of summaryRequests) {
      const body = request.body as { max_tokens: number };
      assert.ok(body.max_tokens <= 256, `the summary's reply limit fits a quarter of the real window (${body.max_tokens})`);
      assert.ok(promptTokens(request) + body.max_tokens <= REAL_WINDOW, "the summary request and its reply fit the real window");
    }
  });

  test("when no summary can be written (cut off), the oldest turns are trimmed with a notice, and --json says why", async () => {
    const server = await startFakeServer(
      smallServer(() => ({
        reply: {
          kind: "sse",
          frames: [
            { data: JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "SUMMARY: the user" }, finish_reason: null }] }) },
            { data: JSON.stringify({ id: "s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "length" }] }) },
            { data: "[DONE]" },
          ],
        },
      })),
    );
    servers.push(server);
    const answers = await talk("trimmed", server, 12);
    const trimmed = answers.find((answer) => answer.compaction?.outcome === "trimmed");
    assert.match(trimmed?.compaction?.reason ?? "", /the summary was cut off at its reply limit \(256 tokens\)/, JSON.stringify(answers.map((answer) => answer.compaction)));
    const entries = (await new JsonlSessionStore(join(temp.dir, "trimmed")).read("main")).entries;
    assert.equal(entries.filter((entry) => entry.type === "user").length, 12, "the transcript keeps every turn");
    assert.ok(entries.some((entry) => entry.type === "trim"));

    const file = temp.write("trimmed-human.json5", config(server.baseUrl));
    const human = await runCli(["agent", "--config", file, "-m", `turn 13: ${"more about the weather and the day. ".repeat(30)}`], { env: { HEARTH_STATE_DIR: join(temp.dir, "trimmed") } });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, /^local\/m: the server's context is 1024 tokens, not the 4096 of contextWindow; planning against 1024 \(raise the server's context, or lower contextWindow\)$/m);
    // Turn 13's message is long for a 1,024-token window: what is left out may be every turn before it, said as such.
    assert.match(human.stderr, /^the conversation \([\d,]+ tokens\) is longer than the [\d,]+ tokens the prompt may use in local\/m's window: no summary could be written \(the summary was cut off at its reply limit \(256 tokens\)\): (?:the oldest \d+ turns? (?:is|are) left out of what is sent, the latest \d+ turns? kept|every earlier turn is left out of what is sent: not even the latest fits beside this message) \(the transcript keeps them\)$/m);
  });

  test("a message that overflows every candidate fails once; the session goes on without it", async () => {
    const server = await startFakeServer(smallServer(() => ({ text: "SUMMARY" })));
    servers.push(server);
    const file = temp.write("big2.json5", config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "big2") };
    const big = await runCli(["agent", "--config", file, "--session", "big2", "--json", "-m", `turn 1: ${"a long pasted log line. ".repeat(250)}`], { env });
    assert.equal(big.code, 1);
    assert.equal((JSON.parse(big.stdout) as { cause: string }).cause, "permanent");
    for (let turn = 2; turn <= 3; turn++) {
      const next = await runCli(["agent", "--config", file, "--session", "big2", "-m", `turn ${turn}: hello`], { env });
      assert.equal(next.stdout, `Noted ${turn}.\n`, next.stderr);
    }
    const last = server.requests.filter((request) => request.method === "POST").pop();
    assert.ok(!JSON.stringify(last?.body).includes("a long pasted log line"), "the message that could not fit is not sent again");
  });

  test("/compact says why nothing was compacted", async () => {
    const server = await startFakeServer(smallServer(() => ({ text: "SUMMARY" })));
    servers.push(server);
    const file = temp.write("nothing.json5", config(server.baseUrl));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "nothing") };
    await runCli(["agent", "--config", file, "-m", "turn 1: hello"], { env });
    const result = await runCli(["agent", "--config", file, "-m", "/compact"], { env });
    assert.equal(result.stdout, "Nothing to compact: nothing to fold yet: the conversation holds only its latest turn.\n");
  });
});

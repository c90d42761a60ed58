// A conversation that grew on a hosted fallback comes back to the local model: the agent plans the
// local model's window counting as ITS server counts (the tokenizer's ratio from llama.cpp's /tokenize),
// not as the fallback's replies counted — a fallback whose usage counts little made the agent judge the
// conversation small, the router (counting as llama.cpp counts) found it too large for the local server,
// and every turn after the outage went on to the paid fallback ("skipped-context").
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { FakeServer, RecordedRequest } from "../fakes/fake-server.js";
import { refusedUrl, startFakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const N_CTX = 1_024;
/** The local server's tokenizer: twice the tokens of hearth's plain estimate (a small vocabulary, like stories260K's). */
const RATIO = 2;
const SUMMARY_SAYS = /Summary so far|Conversation to add/;

interface ChatBody {
  messages?: { role: string; content?: unknown }[];
}
const textOf = (body: unknown): string => ((body as ChatBody).messages ?? []).map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content ?? ""))).join("\n");
const lastUser = (body: unknown): string => [...((body as ChatBody).messages ?? [])].reverse().find((message) => message.role === "user")?.content?.toString() ?? "";
/** What the local server counts for a request: its messages' text, as its tokenizer counts (the JSON around them aside). */
const localCount = (request: RecordedRequest): number => Math.ceil((textOf(request.body).length / 4) * RATIO);

/** The local llama-server: a 1,024-token slot, counting as its small-vocabulary tokenizer does; its replies report `usageInput`. */
function startLocal(options: { usageInput: (request: RecordedRequest) => number; requests?: RecordedRequest[] }): Promise<FakeServer> {
  return startLlamaCpp({
    alias: "m",
    nCtx: N_CTX,
    tokenize: (text) => Math.ceil((text.length / 4) * RATIO),
    promptTokens: localCount,
    completions: (request) => {
      options.requests?.push(request);
      const said = SUMMARY_SAYS.test(lastUser(request.body)) ? "SUMMARY: the user wrote about their days." : "Local here.";
      return { kind: "sse", frames: completionsStream({ model: "m", text: said, usage: { input: options.usageInput(request), output: 4 } }) };
    },
  });
}

interface TurnJson {
  text?: string;
  model?: string;
  error?: string;
  attempts?: { model: string; outcome: string }[];
  compaction?: { outcome: string };
}

describe("after turns on a hosted fallback, the local model answers again", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  test("the agent fits the conversation to the local server as it counts (compacting or trimming), instead of passing it to the fallback", async () => {
    const localRequests: RecordedRequest[] = [];
    const local = await startLocal({ usageInput: localCount, requests: localRequests });
    // A hosted model whose usage counts little of what it is sent (a proxy or a server that counts its own way).
    const hostedRequests: RecordedRequest[] = [];
    const hosted = await startFakeServer((request) => {
      hostedRequests.push(request);
      return { kind: "sse", frames: completionsStream({ model: "big", text: "Cloud here.", usage: { input: 12, output: 4 } }) };
    });
    servers.push(local, hosted);
    const file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, models: { "cloud/big": { alias: "Cloud" } }, tools: { allow: [] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 128 }] },
          cloud: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 200000, maxTokens: 1024 }] } } } }`,
    );
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
    const say = async (words: string, model?: string): Promise<TurnJson> => {
      const result = await runCli(["agent", "--config", file, "--json", "-s", "day", ...(model ? ["--model", model] : []), "-m", words], { env });
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as TurnJson;
    };
    // The local server is skipped by name for a while: the conversation grows on the hosted model.
    for (let turn = 1; turn <= 6; turn++) {
      const answer = await say(`turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(5)}`, "Cloud");
      assert.equal(answer.model, "cloud/big");
    }
    const before = localRequests.length;
    const hostedBefore = hostedRequests.length;
    const back = await say("short one");
    assert.equal(back.model, "local/m", JSON.stringify(back));
    assert.deepEqual(
      (back.attempts ?? []).filter((attempt) => attempt.outcome !== "ok"),
      [],
      "the local model was not skipped for the conversation's size",
    );
    assert.ok(back.compaction && ["compacted", "trimmed"].includes(back.compaction.outcome), JSON.stringify(back.compaction));
    const answered = localRequests.slice(before).filter((request) => !SUMMARY_SAYS.test(lastUser(request.body)));
    assert.ok(answered.length > 0 && answered.every((request) => localCount(request) < N_CTX), "what reached the local server fits its context as it counts");
    assert.equal(lastUser(answered.at(-1)?.body), "short one");
    // The summaries too are written by the local model, sized as its server counts: nothing of this turn goes to the paid one.
    const asked = hostedRequests.slice(hostedBefore).filter((request) => request.method === "POST");
    assert.deepEqual(asked.map((request) => lastUser(request.body).slice(0, 60)), [], "nothing of this turn, summaries included, went to the hosted model");
  });

  test("longer turns: the summaries are cut to the local server's count too, so it writes them and answers; the paid model is not asked", async () => {
    const localRequests: RecordedRequest[] = [];
    const local = await startLocal({ usageInput: localCount, requests: localRequests });
    const hostedRequests: RecordedRequest[] = [];
    const hosted = await startFakeServer((request) => {
      hostedRequests.push(request);
      return { kind: "sse", frames: completionsStream({ model: "big", text: "Cloud here.", usage: { input: 12, output: 4 } }) };
    });
    servers.push(local, hosted);
    const file = temp.write(
      "long-turns.json5",
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, models: { "cloud/big": { alias: "Cloud" }, "local/m": { alias: "Local" } }, tools: { allow: [] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 100 }] },
          cloud: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 200000, maxTokens: 1024 }] } } } }`,
    );
    const env = { HEARTH_STATE_DIR: join(temp.dir, "long-state") };
    const words = Array.from({ length: 60 }, (_, index) => `word${index}`).join(" ");
    for (let turn = 1; turn <= 16; turn++) {
      const result = await runCli(["agent", "--config", file, "--json", "-s", "long", "--model", "Cloud", "-m", `Turn ${turn}: ${words}`], { env });
      assert.equal(result.code, 0, result.stderr);
    }
    const hostedBefore = hostedRequests.filter((request) => request.method === "POST").length;
    const back = await runCli(["agent", "--config", file, "--json", "-s", "long", "--model", "Local", "-m", `Turn 17: ${words}`], { env });
    assert.equal(back.code, 0, back.stderr);
    const answer = JSON.parse(back.stdout) as TurnJson;
    assert.equal(answer.model, "local/m", JSON.stringify(answer));
    assert.deepEqual((answer.attempts ?? []).map((attempt) => `${attempt.model} ${attempt.outcome}`), ["local/m ok"]);
    assert.equal(hostedRequests.filter((request) => request.method === "POST").length, hostedBefore, "no summary and no turn went to the paid model");
    assert.ok(localRequests.every((request) => localCount(request) + 100 <= N_CTX), "every request the local server got fits its slot as it counts");
  });

  test("a local server whose usage counts less than its tokenizer: the agent plans by the larger count, so the local model is never skipped for size", async () => {
    // Its replies' usage counts the messages' text plainly (a template's share, a cache): less than /tokenize says.
    const local = await startLocal({ usageInput: (request) => Math.ceil(textOf(request.body).length / 4) });
    const hosted = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ model: "big", text: "Cloud here.", usage: { input: 12, output: 4 } }) }));
    servers.push(local, hosted);
    const file = temp.write(
      "counts.json5",
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, tools: { allow: [] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 128 }] },
          cloud: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 200000, maxTokens: 1024 }] } } } }`,
    );
    const env = { HEARTH_STATE_DIR: join(temp.dir, "counts-state") };
    for (let turn = 1; turn <= 10; turn++) {
      const result = await runCli(["agent", "--config", file, "--json", "-s", "counts", "-m", `turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(5)}`], { env });
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as TurnJson;
      assert.equal(answer.model, "local/m", `turn ${turn}: ${JSON.stringify(answer)}`);
      assert.deepEqual((answer.attempts ?? []).filter((attempt) => attempt.outcome !== "ok"), [], `turn ${turn}`);
    }
  });

  test("a conversation begun while the local server is down reaches the fallback whole, not trimmed to the local window; it comes back to local when the server does", async () => {
    const down = await refusedUrl();
    const hostedRequests: RecordedRequest[] = [];
    const hosted = await startFakeServer((request) => {
      hostedRequests.push(request);
      return { kind: "sse", frames: completionsStream({ model: "big", text: "Cloud here.", usage: { input: 12, output: 4 } }) };
    });
    servers.push(hosted);
    const config = (localUrl: string): string =>
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, tools: { allow: [] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${localUrl}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 128 }] },
          cloud: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 200000, maxTokens: 1024 }] } } } }`;
    const file = temp.write("down.json5", config(down));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "down-state") };
    // About 300 tokens a turn: the local window (2,048) holds five or six of them, the fallback's all.
    for (let turn = 1; turn <= 12; turn++) {
      const result = await runCli(["agent", "--config", file, "--json", "-s", "down", "-m", `turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(20)}`], { env });
      assert.equal(result.code, 0, result.stderr);
      const answer = JSON.parse(result.stdout) as TurnJson;
      assert.equal(answer.model, "cloud/big", `turn ${turn}: ${JSON.stringify(answer)}`);
      assert.equal(answer.compaction, undefined, `turn ${turn}: nothing compacted or trimmed for a server that is down: ${JSON.stringify(answer.compaction)}`);
    }
    const last = hostedRequests.at(-1);
    for (let turn = 1; turn <= 12; turn++) assert.match(textOf(last?.body), new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);

    // The server is back: the same conversation is fitted to it, and it answers.
    const local = await startLocal({ usageInput: localCount });
    servers.push(local);
    temp.write("down.json5", config(local.baseUrl.replace(/\/v1$/, "")));
    const back = await runCli(["agent", "--config", file, "--json", "-s", "down", "-m", "short one"], { env });
    assert.equal(back.code, 0, back.stderr);
    const answer = JSON.parse(back.stdout) as TurnJson;
    assert.equal(answer.model, "local/m", JSON.stringify(answer));
    assert.ok(answer.compaction && ["compacted", "trimmed"].includes(answer.compaction.outcome), JSON.stringify(answer.compaction));
  });

  test("/status counts the prompt as sent: no tool schemas for a server whose template cannot render them (the router sends none)", async () => {
    const used = async (supportsTools: boolean): Promise<number> => {
      const local = await startLlamaCpp({ alias: "m", nCtx: N_CTX, supportsTools, completions: () => ({ kind: "sse", frames: completionsStream({ model: "m", text: "ok" }) }) });
      servers.push(local);
      const file = temp.write(`status-${supportsTools}.json5`, `{ agents: { defaults: { model: "local/m" } }, models: { mode: "replace", providers: { local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 128 }] } } } }`);
      const result = await runCli(["agent", "--config", file, "-s", "status", "-m", "/status"], { env: { HEARTH_STATE_DIR: join(temp.dir, `status-${supportsTools}`) } });
      assert.equal(result.code, 0, result.stderr);
      const match = /context: \S+ ([\d,]+) \/ [\d,]+ tokens the prompt may use \(window 1,024 tokens/.exec(result.stdout);
      assert.ok(match, result.stdout);
      return Number(match[1]?.replace(/,/g, ""));
    };
    const withTools = await used(true);
    const without = await used(false);
    assert.ok(without < withTools / 2, `without tools ${without}, with ${withTools}: the schemas are most of an empty session's prompt`);
  });
});


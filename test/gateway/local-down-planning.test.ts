// A running gateway whose local server goes down mid-conversation: the turns the fallback answers are
// planned for the fallback's window (the whole conversation), not trimmed to the local window — the
// server's refusal, seen by a call or by the turn's look at it, says it is down until it answers again.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { startFakeServer, type FakeServer, type RecordedRequest } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

const textOf = (request: RecordedRequest | undefined): string => JSON.stringify((request?.body as { messages?: unknown } | undefined)?.messages ?? []);

describe("a gateway whose local server goes down mid-conversation", () => {
  test("the fallback gets the whole conversation while it is down; nothing is compacted or trimmed for the absent server", async () => {
    const local = await startLlamaCpp({ alias: "m", nCtx: 2048, completions: () => ({ kind: "sse", frames: completionsStream({ model: "m", text: "Local here.", usage: { input: 10, output: 3 } }) }) });
    let localOpen = true;
    closers.push(() => (localOpen ? local.close() : undefined));
    const cloudRequests: RecordedRequest[] = [];
    const cloud: FakeServer = await startFakeServer((request) => {
      cloudRequests.push(request);
      return { kind: "sse", frames: completionsStream({ model: "big", text: "Cloud here.", usage: { input: 12, output: 4 } }) };
    });
    closers.push(() => cloud.close());
    const dir = join(temp.dir, "down");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "hearth.json5");
    writeFileSync(
      file,
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["cloud/big"] }, tools: { allow: [] } } },
        models: { mode: "replace", providers: {
          local: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 2048, maxTokens: 128 }] },
          cloud: { baseUrl: "${cloud.baseUrl}", api: "openai-completions", apiKey: "sk-test-cloud-0123456789abcdef", models: [{ id: "big", contextWindow: 200000, maxTokens: 1024 }] } } } }`,
    );
    const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
    closers.push(() => runtime.close());
    const say = async (text: string) => {
      const handled = await runtime.gateway.handle({ channel: "webchat", session: "s", text });
      assert.equal(handled.kind, "turn");
      const result = handled.kind === "turn" ? handled.result : undefined;
      assert.ok(result?.ok, JSON.stringify(result));
      return result;
    };
    assert.equal((await say("hello")).model, "local/m", "the local server answers, and its window is known");
    await local.close();
    localOpen = false;
    // About 300 tokens a turn: the local window (2,048) would hold five or six of them.
    for (let turn = 1; turn <= 12; turn++) {
      const result = await say(`turn ${turn}: ${"a few words about the day, the weather and the plans. ".repeat(20)}`);
      assert.equal(result.model, "cloud/big", `turn ${turn}`);
      assert.equal(result.compaction, undefined, `turn ${turn}: ${JSON.stringify(result.compaction)}`);
    }
    const last = textOf(cloudRequests.at(-1));
    for (let turn = 1; turn <= 12; turn++) assert.match(last, new RegExp(`turn ${turn}: `), `turn ${turn} reached the fallback`);
    assert.match(last, /hello/, "and the turn the local model answered");
  });
});

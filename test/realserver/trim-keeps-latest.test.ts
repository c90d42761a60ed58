// The daily-use trial's case on a real llama-server: a 2,048-token window, 512-token answers, and a model
// that cannot write a summary (it writes a story to its limit). When the conversation outgrows what the
// prompt may use (1,332 tokens: the window less the 512 of the reply and a 204 reserve), the trim keeps the
// latest earlier turn that fits beside the message — turn 3 keeps turn 2 — never "every earlier turn";
// its note says the room it means; /status measures against that room; /compact folds the kept turn.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { realConfig, type AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

interface TurnJson extends AgentJson {
  compaction?: { outcome: string; turns?: number; reason?: string };
}

describe("llama-server at -c 2048, 512-token answers, no summary possible", () => {
  let server: RealServer;
  const temp = tempDir();
  before(async () => {
    server = await startRealServer({ ctx: 2048 });
  });
  after(async () => {
    temp.cleanup();
    await server.kill();
  });

  test("turn 3 keeps turn 2 (it fits the budget), says so, and names the room; /status and /compact agree", async () => {
    const file = temp.write("trial.json5", realConfig(server, { contextWindow: 2048, maxTokens: 512 }));
    const state = join(temp.dir, "state");
    const env = { HEARTH_STATE_DIR: state };
    const turns: { json: TurnJson }[] = [];
    for (let turn = 1; turn <= 4; turn++) {
      const result = await runCli(["agent", "--config", file, "--session", "dog", "--json", "--message", `curl turn ${turn} about a dog`], { env });
      assert.equal(result.code, 0, `turn ${turn}: ${result.stderr}${result.stdout}`);
      turns.push({ json: JSON.parse(result.stdout) as TurnJson });
    }
    const [first, second, third, fourth] = turns.map((turn) => turn.json);
    assert.ok(first && second && third && fourth);
    assert.equal(second.compaction, undefined, `turn 2 is sent whole: ${JSON.stringify(second.compaction)}`);
    assert.equal(third.compaction?.outcome, "trimmed", JSON.stringify(third.compaction));
    assert.equal(third.compaction?.turns, 1, "only turn 1 is left out");
    // What the server counted: turn 3's prompt holds turn 2 (its answer, up to 512 tokens: the model may end it sooner), not the message alone.
    // A prompt is what the server evaluated plus what it took from its cache: llama-server reports them apart
    // (usage.input and cacheRead), and how much of turn 3's prompt its slot cache holds varies from run to run.
    const prompt = (usage: TurnJson["usage"]): number => usage.input + usage.cacheRead;
    assert.ok(second.usage.output > 100, `turn 2 answered at some length: ${JSON.stringify(second.usage)}`);
    assert.ok(prompt(third.usage) > prompt(first.usage) + second.usage.output * 0.8, `turn 3's prompt (${JSON.stringify(third.usage)}) holds turn 2's answer (${second.usage.output} tokens), beside turn 1's (${JSON.stringify(first.usage)})`);
    assert.ok(prompt(third.usage) <= 1332, `and fits the 1,332 tokens the prompt may use: ${JSON.stringify(third.usage)}`);

    const entries = readFileSync(join(state, "sessions", "dog.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as SessionEntry);
    const users = entries.filter((entry) => entry.type === "user");
    const firstTrim = entries.find((entry) => entry.type === "trim");
    assert.equal(firstTrim?.type === "trim" && firstTrim.firstKeptId, users[1]?.id, "the trim keeps from turn 2 on");
    // Every trim keeps the latest earlier turn: no note says "not even the latest fits" (the notes the answers keep, as the page shows them).
    const notes = entries.flatMap((entry) => (entry.type === "assistant" ? (entry.notes ?? []) : [])).filter((note) => note.kind === "compaction").map((note) => note.text);
    assert.ok(notes.length >= 2, `turns 3 and 4 trimmed: ${notes.join(" | ")}`);
    for (const note of notes) assert.doesNotMatch(note, /every earlier turn|not even the latest/, note);
    assert.match(notes[0] ?? "", /^the conversation \([\d,]+ tokens\) is longer than the 1,332 tokens the prompt may use in llama\/stories260k's window: no summary could be written \(the summary was cut off at its reply limit \(\d+ tokens\)\): the oldest 1 turn is left out of what is sent, the latest 1 turn kept \(the transcript keeps them\)$/);

    const status = await runCli(["agent", "--config", file, "--session", "dog", "--message", "/status"], { env });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^context: \[[█░]{20}\] [\d,]+ \/ 1,332 tokens the prompt may use \(window 2,048 tokens, less 512 for the reply and 204 in reserve\) \((?:\d+%|over by [\d,]+: the next turn summarises earlier turns or leaves them out)\) · earlier turns left out \(no summary could be written\)$/m, status.stdout);

    // The model is sent the latest two turns: /compact has one to fold (no summary: it is left out instead).
    const compact = await runCli(["agent", "--config", file, "--session", "dog", "--message", "/compact"], { env });
    assert.equal(compact.code, 0, compact.stderr);
    assert.match(compact.stdout, /^No summary could be written \(.+\): the oldest 1 turn is left out of what is sent instead; the transcript keeps them all\.$/m, compact.stdout);
    // Now only the latest turn is sent: nothing more to fold, said as such.
    const again = await runCli(["agent", "--config", file, "--session", "dog", "--message", "/compact"], { env });
    assert.equal(again.stdout, "Nothing to compact: nothing to fold yet: the model is sent only the latest turn (the earlier ones are left out already: no summary could be written).\n");
  });
});

// `hearth agent` (text and --json), `sessions show` and `sessions export`: the words a model wrote before
// its tool call are part of the answer, in the order a stream of the turn showed them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { WORDS_AROUND_A_TOOL, wordsAroundATool } from "../helpers/words-around-a-tool.js";

describe("hearth agent: a turn with words on both sides of a tool call", () => {
  const temp = tempDir();
  let server: FakeServer;
  let file: string;
  const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
  before(async () => {
    server = await startFakeServer(wordsAroundATool);
    file = temp.write("hearth.json5", `{ agents: { defaults: { model: "local/m1" } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m1", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });

  test("the text on stdout and --json's text are the whole answer", async () => {
    const plain = await runCli(["agent", "--config", file, "--session", "plain", "-m", "go"], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${WORDS_AROUND_A_TOOL}\n`);
    const json = await runCli(["agent", "--config", file, "--session", "json", "--json", "-m", "go"], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { text: string }).text, WORDS_AROUND_A_TOOL);
  });

  test("sessions show and export keep both parts, in order", async () => {
    for (const command of [["sessions", "show", "plain"], ["sessions", "export", "plain"]]) {
      const shown = await runCli(["--config", file, ...command], { env });
      assert.equal(shown.code, 0, shown.stderr);
      const one = shown.stdout.indexOf("PART-ONE before the tool.");
      const two = shown.stdout.indexOf("PART-TWO final.");
      assert.ok(one >= 0 && two > one, `${command.join(" ")}: ${shown.stdout}`);
    }
  });
});

// What a person is shown of the tools a turn ran, through the real CLI (t12-user #6): each note names the
// program and arguments that ran, no note or export shows the untrusted markers meant for the model, and a
// refusal keeps its advice ("list it with -t instead"), where the preview used to stop mid-word at 200 characters.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastTurn, scriptedModel } from "../helpers/scripted-model.js";

const SESSION = "tools";

describe("hearth agent: the notes of the tools a turn ran", () => {
  const temp = tempDir("hearth-tool-notes-");
  const state = join(temp.dir, "state");
  let server: FakeServer | undefined;
  after(async () => {
    await server?.close();
    temp.cleanup();
  });

  test("the notes say what ran, without the markers; a refusal's advice is whole; the export shows the output without markers", async () => {
    const work = join(temp.dir, "work");
    mkdirSync(work);
    temp.write("work/notes.txt", "first line\nsecond line\n");
    // Two calls, then an answer: cat's output comes back wrapped in untrusted markers, tar -x is refused (no sandbox).
    server = await startFakeServer(
      scriptedModel("openai-completions", (turns) => {
        const tools = turns.filter((turn) => turn.role === "tool").length;
        if (tools === 0) return { tool: "exec", arguments: { command: "cat", args: ["notes.txt"] } };
        if (tools === 1 && lastTurn(turns)?.role === "tool") return { tool: "exec", arguments: { command: "tar", args: ["xzf", "backup.tar.gz"] } };
        return { text: "Done." };
      }),
    );
    const file = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "local/m" }, tools: { exec: { commands: ["cat", "tar"], cwd: "${work}", sandbox: "off" } } } },
        models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
      }`,
    );
    const env = { HEARTH_STATE_DIR: state };
    const result = await runCli(["agent", "--config", file, "-s", SESSION, "--message", "read the notes, then unpack the backup"], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Done\./);

    // The notes kept with the session (the page shows them live and after a reload in these words).
    const entries = readFileSync(join(state, "sessions", `${SESSION}.jsonl`), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; message?: { content?: unknown }; notes?: { kind: string; text: string }[] });
    const toolNotes = entries.flatMap((entry) => (entry.type === "tool-result" ? (entry.notes ?? []) : [])).filter((note) => note.kind === "tool");
    assert.deepEqual(
      toolNotes.map((note) => note.text),
      [
        "exec cat notes.txt — done: exit code 0 first line second line",
        'exec tar xzf backup.tar.gz — failed: "-x" is not allowed with tar: extracting needs the OS sandbox (tools.exec.sandbox "auto" with bubblewrap installed): without it, a symlink in the archive or the working directory could send files anywhere; list it with -t instead',
      ],
    );
    // The model read its output inside the markers: they are in the entry, never in a note.
    const catResult = entries.find((entry) => entry.type === "tool-result");
    assert.match(JSON.stringify(catResult?.message?.content), /<<<untrusted-[0-9a-f]+ source=\\"output of cat\\">>>/);

    const exported = await runCli(["sessions", "export", SESSION, "--config", file], { env });
    assert.equal(exported.code, 0, exported.stderr);
    assert.doesNotMatch(exported.stdout, /untrusted/);
    assert.match(exported.stdout, /### exec result\n\n```\nexit code 0\nfirst line\nsecond line\n```/);
  });
});

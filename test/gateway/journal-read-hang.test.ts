// A start whose reading of a gone process's journal hangs (a hung local disk, made here by a file system whose
// open of that journal does not return until the test lets it): the start waits for the reading only up to its
// bound, then listens and says so; a message — even one to the conversation the journal names — never waits for
// the reading (a turn looks for what gone processes left in its conversation within 2 s, said once); once the read returns, what the journal kept is saved. The real composition (createRuntime with
// recovery on, as `hearth gateway` runs it), real session files, a real journal; only the open is held.
import assert from "node:assert/strict";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { SYSTEM_JOURNAL_FS, type JournalFs } from "../../src/gateway/journal-file.js";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { localModelConfig } from "../helpers/cut-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

/** A process id that is not running (past the kernel's largest). */
const GONE = 4_194_305;
const temp = tempDir();
let server: FakeServer | undefined;
after(async () => {
  await server?.close();
  temp.cleanup();
});

test("a journal read that hangs: the start listens after its bound, saying so; messages are answered meanwhile; the journal's message is saved once the read returns", { timeout: 60_000 }, async () => {
  server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
  const stateDir = join(temp.dir, "state");
  const file = temp.write("hearth.json5", localModelConfig(server.baseUrl));
  await new MessageInbox({ stateDir, pid: GONE }).add({ session: "named", text: "kept before the crash", channel: "webchat", agent: "main", at: new Date(Date.now() - 60_000).toISOString() });

  let letGo: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (letGo = resolve));
  let opened: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (opened = resolve));
  const hanging: JournalFs = {
    ...SYSTEM_JOURNAL_FS,
    open: async (path, flags) => {
      if (path.endsWith(`${GONE}.jsonl`)) {
        opened();
        await held;
      }
      return open(path, flags);
    },
  };
  const warnings: string[] = [];
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: stateDir }, cwd: stateDir, config: file, recoverMessages: true, journalFs: hanging, journalsReadWaitMs: 300, onWarning: (message) => warnings.push(message) });
  try {
    await reached;
    assert.ok(
      warnings.some((warning) => warning === `the message journals in ${join(stateDir, "inbox")} are still being read after 0.3 s (a slow or hung disk?): the gateway listens meanwhile, and a message to a conversation they name may be answered before what they kept for it is saved`),
      warnings.join("\n"),
    );
    // The read still hangs: messages are answered, to another conversation and to the one the journal names.
    for (const session of ["other", "named"]) {
      const result = await runtime.gateway.handle({ channel: "webchat", session, text: `hello ${session}`, keepWhenStopped: true });
      assert.equal(result.kind === "turn" && result.result.ok ? result.result.text : undefined, `echo: hello ${session}`);
    }
    // Each turn waited for the hung read only up to its own bound, and that was said, once.
    assert.equal(warnings.filter((warning) => warning === `the message journals in ${join(stateDir, "inbox")} are still being read after 2 s (a slow or hung disk?): turns go on meanwhile, and a turn a stopped hearth cut in a conversation is closed once they can be read`).length, 1, warnings.join("\n"));
    letGo();
    const store = new JsonlSessionStore(stateDir);
    for (;;) {
      const texts = (await store.read("named")).entries.flatMap((entry) => (entry.type === "user" ? [entry.text] : []));
      if (texts.includes("kept before the crash")) {
        assert.deepEqual(texts, ["hello named", "kept before the crash"]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await store.close();
  } finally {
    letGo();
    await runtime.close();
  }
});

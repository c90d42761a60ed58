// A message kept in the journal — its session could not be written, or a crash came before its turn —
// keeps its images and quoted text, as its turn would have saved them (s19 "Crash and disk"): the real
// gateway (createRuntime) with real session files and journal, and a gone process's journal read back.
// An image too large to keep is a line of the message's words, in the journal and the session alike.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { agentGateway } from "../helpers/agent-gateway.js";
import { localModelConfig } from "../helpers/cut-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

/** A process id that is not running (past the kernel's largest). */
const GONE = 4_194_305;
const PIXEL = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
/** Decoded, just over the 5 MB an image may be. */
const TOO_LARGE = "A".repeat(Math.ceil(((5 * 1024 * 1024 + 3) * 4) / 3));

type UserEntry = Extract<SessionEntry, { type: "user" }>;
const users = (entries: readonly SessionEntry[]): UserEntry[] => entries.filter((entry): entry is UserEntry => entry.type === "user");

/** The journal lines of every process, parsed. */
function journalLines(stateDir: string): { add?: { text: string; quoted?: string; images?: { mediaType: string; data: string }[] } }[] {
  const folder = join(stateDir, "inbox");
  return readdirSync(folder).flatMap((name) =>
    readFileSync(join(folder, name), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { add?: { text: string } }),
  );
}

describe("a kept message keeps its images", { timeout: 60_000 }, () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  after(async () => {
    await server?.close();
    temp.cleanup();
  });

  test("its session could not be written: the journal holds its image and quoted text, and its session gets them once it can be written", async () => {
    server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
    const stateDir = join(temp.dir, "unwritable");
    const gateway = await agentGateway(localModelConfig(server.baseUrl), stateDir);
    try {
      // A folder where the session file should be: its message cannot be saved.
      mkdirSync(join(stateDir, "sessions", "photos.jsonl"), { recursive: true });
      const message = { channel: "whatsapp" as const, session: "photos", text: "what colour?", quoted: "the red one", keepWhenStopped: true };
      await assert.rejects(gateway.handle({ ...message, images: [{ mediaType: "image/png", data: PIXEL }] }), /photos\.jsonl/);
      await assert.rejects(gateway.handle({ ...message, text: "and this one?", images: [{ mediaType: "image/png", data: TOO_LARGE }] }), /photos\.jsonl/);
      const kept = journalLines(stateDir).flatMap((line) => (line.add ? [line.add] : []));
      assert.deepEqual(
        kept.map((item) => [item.text, item.quoted, item.images?.map((image) => image.data.length)]),
        [
          ["what colour?", "the red one", [PIXEL.length]],
          ["and this one?\n[image, 5 MB — too large, images up to 5 MB are read]", "the red one", undefined],
        ],
        "kept as the session keeps it: the image, or a line saying it was too large to keep",
      );

      rmSync(join(stateDir, "sessions", "photos.jsonl"), { recursive: true });
      const answered = await gateway.handle({ channel: "whatsapp", session: "photos", text: "hello again", keepWhenStopped: true });
      assert.equal(answered.kind === "turn" && answered.result.ok, true);
      const saved = users((await new JsonlSessionStore(stateDir).read("photos")).entries);
      assert.deepEqual(
        saved.map((entry) => [entry.text, entry.images?.map((image) => [image.mediaType, image.data]), entry.quoted?.includes("the red one") ?? false]),
        [
          ["what colour?", [["image/png", PIXEL]], true],
          ["and this one?\n[image, 5 MB — too large, images up to 5 MB are read]", undefined, true],
          ["hello again", undefined, false],
        ],
      );
      assert.match(saved[0]?.quoted ?? "", /^<<<untrusted-[0-9a-f]+ source="forwarded or quoted message">>>\nthe red one\n<<<end-untrusted-[0-9a-f]+>>>$/, "the quoted text as a turn saves it: marked as from outside");
    } finally {
      await gateway.close();
    }
  });

  test("a crash before its turn: recovery saves it with its image and quoted text", async () => {
    const stateDir = join(temp.dir, "crashed");
    const crashed = new MessageInbox({ stateDir, pid: GONE });
    await crashed.add({ session: "s", text: "what colour?", quoted: "the red one", images: [{ mediaType: "image/png", data: PIXEL }], channel: "whatsapp", agent: "main", at: "2026-01-01T00:00:00.000Z" });
    const store = new JsonlSessionStore(stateDir);
    try {
      assert.deepEqual(await new MessageInbox({ stateDir }).recover(store), { saved: 1, cut: 0, left: 0 });
      const [saved] = users((await store.read("s")).entries);
      assert.deepEqual(saved?.images, [{ mediaType: "image/png", data: PIXEL }]);
      assert.match(saved?.quoted ?? "", /source="forwarded or quoted message">>>\nthe red one\n/);
    } finally {
      await store.close();
    }
  });
});

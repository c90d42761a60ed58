// A message still waiting that carried images shows them as its saved message will (s21): the web chat page in
// chromium against the real `bin/hearth gateway`, started after a hearth that is gone left a WhatsApp photo's
// message in its journal, while another process (a live `sleep`, its record in the session's lock) holds the
// session — so the message waits, shown from the journal. The page shows it waiting with its image (kind and
// size); once the holder is killed the gateway saves it, and the page, reloaded, shows the saved message with
// the same image. Screenshot: test-artifacts/webchat/waiting-images.png.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { MessageInbox } from "../../src/gateway/message-inbox.js";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { machineFacts, ownerRecord } from "../../src/sessions/lock-owner.js";
import { newEntryId } from "../../src/sessions/session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { localModelConfig } from "../helpers/cut-gateway.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 20_000;
/** A process id that is not running (past the kernel's largest). */
const GONE = 4_194_305;
/** 16 bytes of a PNG's start. */
const PIXEL = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
/** 3,000 bytes. */
const PHOTO = Buffer.alloc(3_000, 7).toString("base64");

interface Snapshot {
  items: { role: string; text: string; images?: { mediaType: string; bytes: number }[] }[];
  waiting: { text: string; why: string; images?: { mediaType: string; bytes: number }[] }[];
}

describe("a waiting message's images on the page", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-waiting-images-");
  const state = join(temp.dir, "state");
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let holder: ChildProcess | undefined;
  let refresher: NodeJS.Timeout | undefined;
  let page: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` })));
    const file = temp.write("hearth.json5", localModelConfig(server.baseUrl));
    // The conversation so far: an earlier photo, saved (the page lists the session).
    const store = new JsonlSessionStore(state);
    const at = new Date(Date.now() - 60_000).toISOString();
    await store.append("s", [
      { type: "session", version: 1, at, agent: "main" },
      { type: "user", id: newEntryId(), at, text: "an earlier photo", images: [{ mediaType: "image/png", data: PIXEL }], channel: "whatsapp" },
      { type: "turn-failed", id: newEntryId(), at, error: "no model answered", attempts: [], cause: "transient" },
    ]);
    await store.close();
    // What a gateway killed before the message's turn left: the message, with two images, in its journal.
    await new MessageInbox({ stateDir: state, pid: GONE }).add({ session: "s", text: "what is in these?", images: [{ mediaType: "image/png", data: PIXEL }, { mediaType: "image/jpeg", data: PHOTO }], channel: "whatsapp", agent: "main", at: new Date().toISOString() });
    // Another process holds the session, live (its lock refreshed as a holder refreshes it): the message waits.
    holder = spawn("sleep", ["120"], { stdio: "ignore" });
    await new Promise((resolve) => holder?.once("spawn", resolve));
    const lock = join(state, "sessions", "s.jsonl.lock");
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, "owner.json"), JSON.stringify(ownerRecord(machineFacts(), holder.pid)));
    refresher = setInterval(() => {
      const now = new Date();
      try {
        utimesSync(lock, now, now);
      } catch {
        // Taken over once the holder is gone.
      }
    }, 1_000);
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-waiting-images-", waitMs: WAIT_MS });
    page = browser.page;
  });
  after(async () => {
    clearInterval(refresher);
    holder?.kill("SIGKILL");
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("shown waiting with its images, then saved with the same images", async () => {
    assert.ok(gateway && holder);
    const waiting = (await (await fetch(`${gateway.url}/api/sessions/s`)).json()) as Snapshot;
    assert.deepEqual(waiting.waiting.map((message) => [message.text, message.images]), [["what is in these?", [{ mediaType: "image/png", bytes: 16 }, { mediaType: "image/jpeg", bytes: 3_000 }]]]);

    await page.goto(`${gateway.url}/#session=s`);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const shownWaiting = page.locator(".message.user[data-waiting]", { hasText: "what is in these?" });
    await shownWaiting.waitFor();
    const chipsWaiting = await shownWaiting.locator(".message-image").allInnerTexts();
    assert.deepEqual(chipsWaiting, ["image · PNG · 16 B", "image · JPEG · 3 KB"]);
    // Drawn as the saved photo above it is.
    assert.deepEqual(await page.locator(".message.user:not([data-waiting])", { hasText: "an earlier photo" }).locator(".message-image").allInnerTexts(), ["image · PNG · 16 B"]);
    await page.screenshot({ path: join(ARTIFACTS, "waiting-images.png") });

    // The holder is killed: its lock names a process that is gone, and is taken at once; the message is saved.
    clearInterval(refresher);
    const exited = new Promise((resolve) => holder?.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    for (;;) {
      const snapshot = (await (await fetch(`${gateway.url}/api/sessions/s`)).json()) as Snapshot;
      if (snapshot.waiting.length === 0) {
        assert.deepEqual(snapshot.items.filter((item) => item.role === "user").map((item) => [item.text, item.images]), [["an earlier photo", [{ mediaType: "image/png", bytes: 16 }]], ["what is in these?", [{ mediaType: "image/png", bytes: 16 }, { mediaType: "image/jpeg", bytes: 3_000 }]]]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await page.reload();
    const saved = page.locator(".message.user:not([data-waiting])", { hasText: "what is in these?" });
    await saved.waitFor();
    assert.deepEqual(await saved.locator(".message-image").allInnerTexts(), chipsWaiting, "the same images, shown the same way");
    assert.equal(await page.locator(".message.user[data-waiting]").count(), 0);
  });
});

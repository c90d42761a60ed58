// The web chat page in chromium with the REAL `bin/hearth gateway`, open on a conversation whose file is damaged
// (made a directory, as a bad restore or a slip in a shell does) and then repaired, the page open all along (t19
// #9(b)): the page showed the read error and, once the file was back, never the conversation again until a reload.
import assert from "node:assert/strict";
import { mkdirSync, renameSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LaunchedBrowser } from "../helpers/chromium.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { sendMessage, startHeardGateway, stopHeardGateway, WEBCHAT_ARTIFACTS } from "../helpers/heard-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import type { RunningGateway } from "../helpers/run-gateway.js";

/** Every browser wait is bounded by this; the gateway tries a kept message again every 15 s. */
const WAIT_MS = 40_000;

describe("web chat page: a conversation whose file is damaged, then repaired, the page open all along", { timeout: 180_000 }, () => {
  const temp = tempDir("hearth-webchat-repaired-");
  const stateDir = join(temp.dir, "state");
  let model: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    ({ model, gateway, browser } = await startHeardGateway({ temp, stateDir, profilePrefix: "hearth-webchat-repaired-", waitMs: WAIT_MS, pageErrors }));
  });
  after(async () => {
    await stopHeardGateway({ browser, gateway, model });
    temp.cleanup();
  });

  test("a message sent while the file is a directory: once the file is back the page shows the conversation, the message saved unanswered, without a reload", async () => {
    assert.ok(gateway && model && browser);
    const { page } = browser;
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await sendMessage(page, "hello");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: hello" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    const file = join(stateDir, "sessions", `${session}.jsonl`);
    const aside = join(temp.dir, "aside.jsonl");

    // The file moved away and a directory put in its place.
    renameSync(file, aside);
    mkdirSync(file);
    const damaged = await fetch(`${gateway.url}/api/sessions/${session}`);
    assert.equal(damaged.status, 500, await damaged.text());
    await sendMessage(page, "while the file is a directory");
    await page.locator("#transcript", { hasText: /it is a directory, not a regular file .* your message is not lost/ }).waitFor();
    await page.screenshot({ path: join(WEBCHAT_ARTIFACTS, "repaired-session-a.png") });

    // Put back: the gateway saves the kept message (within 15 s) and the page shows the conversation as saved.
    rmdirSync(file);
    renameSync(aside, file);
    await page.locator("#transcript", { hasText: "its session could not be written when it came" }).waitFor();
    await page.screenshot({ path: join(WEBCHAT_ARTIFACTS, "repaired-session-b.png") });
    assert.equal(await page.locator("#transcript", { hasText: "it is a directory" }).count(), 0, "the read error is gone");
    await page.locator(".message.assistant", { hasText: "Heard: hello" }).waitFor();
    assert.equal(await page.locator(".message.user", { hasText: "while the file is a directory" }).count(), 1, "shown once");
    const repaired = await fetch(`${gateway.url}/api/sessions/${session}`);
    assert.equal(repaired.status, 200);
    const items = ((await repaired.json()) as { items: { role: string; text: string }[] }).items.map(({ role, text }) => `${role}: ${text}`);
    assert.deepEqual(items.slice(0, 3), ["user: hello", "assistant: Heard: hello", "user: while the file is a directory"]);

    // The page goes on as before: the next message is shown once and answered.
    await sendMessage(page, "after the repair");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: after the repair" }).waitFor();
    assert.equal(await page.locator(".message.user", { hasText: "after the repair" }).count(), 1, "shown once");
    assert.deepEqual(pageErrors, []);
  });

  test("a page opened while the file is a directory shows why; the file put back as it was (moved aside and back), the page shows the conversation without a reload", async () => {
    assert.ok(gateway && model && browser);
    const { page } = browser;
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.getByRole("button", { name: "New conversation" }).click();
    await sendMessage(page, "kept safe");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: kept safe" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    const file = join(stateDir, "sessions", `${session}.jsonl`);
    const aside = join(temp.dir, "aside-2.jsonl");
    renameSync(file, aside);
    mkdirSync(file);
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator("#transcript", { hasText: /it is a directory, not a regular file/ }).waitFor();
    assert.equal(await page.locator(".message.assistant", { hasText: "Heard: kept safe" }).count(), 0);

    // The same file back (its size, mtime and inode as the gateway's last write left them): it is another's change all the same.
    rmdirSync(file);
    renameSync(aside, file);
    await page.locator(".message.assistant", { hasText: "Heard: kept safe" }).waitFor();
    assert.equal(await page.locator("#transcript", { hasText: "it is a directory" }).count(), 0, "the read error is gone");
    const repaired = await fetch(`${gateway.url}/api/sessions/${session}`);
    assert.equal(repaired.status, 200);
    assert.deepEqual(pageErrors, []);
  });
});

// The web chat page in chromium with the REAL `bin/hearth gateway`, whose request limit
// (gateway.limits.maxBodyBytes) is smaller than a message typed: the gateway refuses it (413
// `request_too_large`), and no try of it as it is can work. The page says it is too large and by how much,
// offers no Retry, and gives the words back to the input box to be shortened — typed now, or held in the
// outbox (typed while the gateway was away) — never losing them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { LaunchedBrowser } from "../helpers/chromium.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { sendMessage, startHeardGateway, stopHeardGateway, WEBCHAT_ARTIFACTS } from "../helpers/heard-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import type { RunningGateway } from "../helpers/run-gateway.js";

const WAIT_MS = 30_000;
/** The gateway's limit on a request's body: 4 KiB (the least the config takes is 1 KiB). */
const LIMIT_BYTES = 4096;
/** A message of 6,000 characters: its request is about 1.9 KiB over the limit. */
const LONG_TEXT = `a long paste ${"word ".repeat(1200)}`.trim();

describe("web chat page: a message larger than the gateway takes", { timeout: 180_000 }, () => {
  const temp = tempDir("hearth-webchat-too-large-");
  const stateDir = join(temp.dir, "state");
  let model: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    ({ model, gateway, browser } = await startHeardGateway({ temp, stateDir, profilePrefix: "hearth-webchat-too-large-", waitMs: WAIT_MS, pageErrors, gatewaySection: `{ limits: { maxBodyBytes: ${LIMIT_BYTES} } }` }));
  });
  after(async () => {
    await stopHeardGateway({ browser, gateway, model });
    temp.cleanup();
  });

  test("typed and sent: said too large and by how much, no Retry, its words back in the input box; shortened, it is answered", async () => {
    assert.ok(gateway && browser);
    const { page } = browser;
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await sendMessage(page, LONG_TEXT);
    const said = page.locator("#transcript", { hasText: /Not sent — the message is too large for the gateway \(\d+\.\d KiB, \d+\.\d KiB over its limit of 4\.0 KiB; gateway\.limits\.maxBodyBytes\)\. Sent again as it is, it would be refused again: shorten it or split it\. It is back in the input box\./ });
    await said.waitFor();
    assert.equal(await page.getByLabel("Message").inputValue(), LONG_TEXT, "the words are back in the input box");
    assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0, "no Retry that cannot work");
    assert.equal(await page.locator("#transcript .message.user", { hasText: "a long paste" }).count(), 0, "not shown as sent");
    await page.screenshot({ path: join(WEBCHAT_ARTIFACTS, "too-large-typed.png") });
    // Given back, the words are kept in this browser as the box's draft: a reload finds them there still (review s26 #3).
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    assert.equal(await page.getByLabel("Message").inputValue(), LONG_TEXT, "the words survive a reload");
    // Shortened, it goes.
    await page.getByLabel("Message").fill("a long paste, shortened");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: a long paste, shortened" }).waitFor();
    assert.deepEqual(await page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('hearth.draft'))"), [], "sent: no draft left");
    assert.deepEqual(pageErrors, []);
  });

  test("held while the gateway was away, then refused as too large: kept with Edit and no Retry, later messages wait; Edit gives it back to the input box", async () => {
    assert.ok(gateway && browser);
    const { page } = browser;
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await sendMessage(page, "first");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: first" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    // Two messages typed while the gateway was away, kept in this browser as the page keeps them: a long one, then a short one.
    const held = [
      { id: "held-1", session, text: LONG_TEXT, shown: LONG_TEXT, mayHaveArrived: false, at: new Date().toISOString() },
      { id: "held-2", session, text: "typed after it", shown: "typed after it", mayHaveArrived: false, at: new Date().toISOString() },
    ];
    await page.evaluate(`localStorage.setItem("hearth.unsent-messages", ${JSON.stringify(JSON.stringify(held))})`);
    // A reload: the event stream connects, and every held message is tried.
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const long = page.locator('[data-held="held-1"]');
    await long.locator(".held-note", { hasText: /^Not sent — the message is too large for the gateway \(\d+\.\d KiB, \d+\.\d KiB over its limit of 4\.0 KiB; gateway\.limits\.maxBodyBytes\)\. Sent again as it is, it would be refused again: shorten it or split it\. Edit puts it back in the input box\./ }).waitFor();
    assert.equal(await long.getByRole("button", { name: "Retry" }).count(), 0, "no Retry that cannot work");
    // The one typed after it waits behind it (the order is kept), and nothing of either is lost meanwhile.
    await page.locator('[data-held="held-2"]', { hasText: "typed after it" }).waitFor();
    assert.equal(await page.locator("#transcript .message.user", { hasText: "typed after it" }).count(), 0, "not sent before the one typed first");
    await page.screenshot({ path: join(WEBCHAT_ARTIFACTS, "too-large-held.png") });
    await long.getByRole("button", { name: "Edit" }).click();
    assert.equal(await page.getByLabel("Message").inputValue(), LONG_TEXT, "the words are in the input box");
    assert.equal(await page.evaluate(`localStorage.getItem(${JSON.stringify(`hearth.draft:${session}`)})`), LONG_TEXT, "and kept as the conversation's draft: a reload does not lose them");
    // It left the outbox: the one typed after it goes now, and is answered.
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: typed after it" }).waitFor();
    assert.equal(await page.locator("[data-held]").count(), 0);
    assert.equal(await page.evaluate("localStorage.getItem('hearth.unsent-messages')"), null);
    assert.deepEqual(pageErrors, []);
  });
});

// The web chat page never lets a late answer of an earlier navigation overwrite what the user sees now
// (trial 12: a message sent right after *New conversation* was wiped by the new session's late 404).
// The reads are held in the browser (page.route) so each race happens every time, not by chance.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { APIResponse, Page, Route } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/run-cli.js";
import { startWebChatTestServer, type WebChatTestServer } from "../helpers/webchat-server.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

/** GET /api/sessions/<key> (a session's history), not its /messages or /cancel. */
const SESSION_READ = /\/api\/sessions\/([^/?]+)$/;

/**
 * Holds every history read of `session` until `release()`; says when one is held. `answered`: the
 * gateway answers the read at once and the answer is held (it is stale by the time it arrives).
 */
async function holdReads(page: Page, session: string, options: { answered?: boolean } = {}): Promise<{ held: Promise<void>; release(): Promise<void> }> {
  const routes: { route: Route; response: APIResponse | undefined }[] = [];
  let heldOne: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (heldOne = resolve));
  const matcher = (url: URL): boolean => decodeURIComponent(SESSION_READ.exec(url.pathname)?.[1] ?? "") === session;
  let holding = true;
  await page.route(matcher, async (route) => {
    if (!holding || route.request().method() !== "GET") return route.continue();
    routes.push({ route, response: options.answered ? await route.fetch() : undefined });
    heldOne();
    return undefined;
  });
  return {
    held,
    release: async () => {
      holding = false;
      for (const { route, response } of routes) await (response ? route.fulfill({ response }) : route.continue());
      await page.unroute(matcher);
    },
  };
}

describe("web chat page: late answers never overwrite what is shown", () => {
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];
  const notFound: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startWebChatTestServer();
    browser = await launchChromium({ profilePrefix: "hearth-webchat-late-" });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("response", (response) => {
      if (response.status() === 404) notFound.push(response.url());
    });
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a message sent right after New conversation stays with its answer, every time, and nothing is read of the new session", async () => {
    for (let index = 1; index <= 12; index += 1) {
      await page.getByRole("button", { name: "New conversation" }).click();
      await sendMessage(page, `quick message ${index}`);
      await page.locator('.message.assistant[data-state="done"]', { hasText: `You said: quick message ${index}` }).waitFor();
      // The list and context reads after the turn must not redraw it either.
      await page.locator(".session-link").nth(index - 1).waitFor();
      assert.equal(await page.locator(".message.user", { hasText: `quick message ${index}` }).count(), 1, `try ${index}: the message is shown once`);
      assert.equal(await page.locator(".empty").count(), 0, `try ${index}: not "No messages yet"`);
      assert.equal(server.gateway.received.at(-1)?.session, decodeURIComponent(new URL(page.url()).hash.replace("#session=", "")), `try ${index}: sent to the conversation shown`);
    }
    await page.screenshot({ path: join(ARTIFACTS, "late-answers-new-conversation.png") });
    // A new conversation reloaded before its first message: still nothing to read.
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".empty").waitFor();
    assert.deepEqual(notFound, [], "no read of a session that does not exist yet");
    assert.deepEqual(pageErrors, []);
  });

  test("a message sent while the conversation's history is still on its way is shown after it, not wiped by it", async () => {
    const sessions = [...new Set(server.gateway.received.map((message) => message.session))];
    const target = sessions[0] ?? "";
    const hold = await holdReads(page, target);
    await page.locator(`.session-link[data-session="${target}"]`).click();
    await hold.held;
    await sendMessage(page, "sent before the history came");
    await hold.release();
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: sent before the history came" }).waitFor();
    await page.locator(".message.user", { hasText: "quick message 1" }).waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["quick message 1", "sent before the history came"]);
    assert.equal(server.gateway.received.at(-1)?.session, target);
  });

  test("a history that a turn made stale while it came is read again, never drawn over the turn", async () => {
    const sessions = [...new Set(server.gateway.received.map((message) => message.session))];
    const target = sessions[3] ?? "";
    const hold = await holdReads(page, target, { answered: true });
    await page.locator(`.session-link[data-session="${target}"]`).click();
    await hold.held;
    // Another tab says something in this conversation while its (now old) history is on its way.
    const posted = await page.request.post(new URL(`/api/sessions/${target}/messages`, server.url).href, { data: { text: "from another tab" } });
    assert.equal(posted.status(), 202);
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: from another tab" }).waitFor();
    await hold.release();
    await page.locator(".message.user", { hasText: "quick message 4" }).waitFor();
    // The old history came after the turn: the page read it again and shows both turns.
    await page.locator(".message.assistant", { hasText: "You said: from another tab" }).waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["quick message 4", "from another tab"]);
  });

  test("the history of a conversation left before it came is never drawn over the one opened since", async () => {
    const sessions = [...new Set(server.gateway.received.map((message) => message.session))];
    const [left, opened] = [sessions[1] ?? "", sessions[2] ?? ""];
    const hold = await holdReads(page, left);
    await page.locator(`.session-link[data-session="${left}"]`).click();
    await hold.held;
    await page.locator(`.session-link[data-session="${opened}"]`).click();
    await page.locator(".message.user", { hasText: "quick message 3" }).waitFor();
    await hold.release();
    // The late history arrives; a reload of the list after it proves the page went on drawing.
    await sendMessage(page, "after the late history");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: after the late history" }).waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["quick message 3", "after the late history"]);
    assert.deepEqual(pageErrors, []);
    await page.screenshot({ path: join(ARTIFACTS, "late-answers-switch.png") });
  });
});

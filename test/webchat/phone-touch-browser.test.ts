// The web chat page on a phone as the browser shows it one (trial t23): a touch screen with no mouse, a mobile user
// agent, 390×844 at 3 device pixels a CSS pixel, `page.tap` and touch swipes (CDP Input.dispatchTouchEvent).
// Reading up while an answer streams is not pulled back down (a Latest button takes the reader back); the answer is redrawn in place (its earlier
// paragraphs the same nodes, busy for a screen reader until whole); Enter is a new line and tapping Send keeps the
// keyboard up; each message says whose it is to a screen reader; a tap on the context meter shows its counts; on its
// side with the keyboard up, and at 200 % text, the conversation keeps most of the height. Screenshots go to
// test-artifacts/webchat/touch-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CDPSession, Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/run-cli.js";
import { startWebChatTestServer, type WebChatTestServer } from "../helpers/webchat-server.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const PHONE = { width: 390, height: 844 };

/** The page's globals as these checks read them (the tests compile without the DOM's types). */
interface Box {
  scrollHeight: number;
  scrollTop: number;
  clientHeight: number;
}
interface Browser {
  document: { getElementById(id: string): Box | null; activeElement: { id: string } | null };
}

/** How far the conversation's box is from showing its end, in CSS px. */
const fromEnd = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const transcript = (globalThis as unknown as Browser).document.getElementById("transcript");
    return transcript ? transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight : -1;
  });

/** A finger dragged down the conversation (the view goes `up` px towards its start; negative: towards its end), 5 px a frame. */
async function swipe(page: Page, cdp: CDPSession, up: number): Promise<void> {
  const box = await page.locator("#transcript").boundingBox();
  assert.ok(box, "the conversation is laid out");
  const x = box.x + box.width / 2;
  let y = box.y + (up > 0 ? 100 : box.height - 100);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y }] });
  for (let moved = 0; moved < Math.abs(up); moved += 5) {
    y += Math.sign(up) * 5;
    await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x, y }] });
  }
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
}

async function tapSend(page: Page, text: string): Promise<void> {
  await page.locator("#message-input").tap();
  await page.locator("#message-input").fill(text);
  await page.locator("#send-button").tap();
}

describe("web chat page on a phone (touch, no mouse)", () => {
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;
  let page: Page;
  let cdp: CDPSession;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startWebChatTestServer();
    browser = await launchChromium({ profilePrefix: "hearth-webchat-touch-", viewport: PHONE, phone: true, waitMs: 10_000 });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    cdp = await browser.context.newCDPSession(page);
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor({ state: "attached" });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a swipe up while an answer streams stays where the reader took it; back at the end, the answer is followed again", async () => {
    await tapSend(page, "a long hold, please");
    const answer = page.locator(".message.assistant").last();
    await answer.locator("text=Paragraph 30 of a long answer").waitFor();
    assert.equal(await answer.getAttribute("aria-busy"), "true", "a screen reader waits for the whole answer");
    assert.ok((await fromEnd(page)) <= 2, "the answer was followed to its end");
    // Marks the bubble and its first paragraph, to see whether the rest of the answer replaces them.
    await answer.evaluate((node) => Object.assign(node, { keptNode: true }));
    await answer.locator("p", { hasText: "Paragraph 1 of" }).evaluate((node) => Object.assign(node, { keptNode: true }));

    // A short, slow drag up — what a finger starting to read back does; each streamed piece used to pull it back.
    await swipe(page, cdp, 60);
    const readingAt = await fromEnd(page);
    assert.ok(readingAt > 20, `the swipe moved the view up (${readingAt} px from the end)`);
    server.gateway.release(server.gateway.received.at(-1)?.session ?? "");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "part two after the release" }).waitFor();
    const afterPiece = await fromEnd(page);
    assert.ok(afterPiece >= readingAt, `the next piece did not pull the view down (${readingAt} px from the end before it, ${afterPiece} after)`);
    await page.screenshot({ path: join(ARTIFACTS, "touch-read-back.png") });

    // The same bubble, redrawn in place: its first paragraph the very node it was (a selection in it would stay).
    assert.equal(await answer.evaluate((node) => (node as unknown as { keptNode?: boolean }).keptNode === true), true, "the answer's bubble was not replaced");
    assert.equal(await answer.locator("p", { hasText: "Paragraph 1 of" }).evaluate((node) => (node as unknown as { keptNode?: boolean }).keptNode === true), true, "its unchanged paragraph was not replaced");
    assert.equal(await answer.getAttribute("aria-busy"), "false", "whole: read out once");

    // More came below while the reader was up: a button over the conversation's foot takes them there.
    const toLatest = page.getByRole("button", { name: "Latest" });
    assert.equal(await toLatest.isVisible(), true, "the Latest button is shown");
    const latestBox = await toLatest.boundingBox();
    const transcriptBox = await page.locator("#transcript").boundingBox();
    assert.ok(latestBox && transcriptBox && latestBox.y + latestBox.height <= transcriptBox.y + transcriptBox.height, "over the conversation, not the message box");
    await toLatest.tap();
    assert.ok((await fromEnd(page)) <= 2, "at the end");
    await toLatest.waitFor({ state: "hidden" });

    // Back down to the end: the next answer is followed as it streams.
    await tapSend(page, "another long hold");
    const next = page.locator(".message.assistant").last();
    await next.locator("text=Paragraph 30 of a long answer").waitFor();
    await swipe(page, cdp, 60);
    assert.ok((await fromEnd(page)) > 20, "read back a little");
    await swipe(page, cdp, -400);
    await page.getByRole("button", { name: "Latest" }).waitFor({ state: "hidden" });
    await page.waitForFunction(() => {
      const transcript = (globalThis as unknown as Browser).document.getElementById("transcript");
      return !!transcript && transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight <= 2;
    });
    server.gateway.release(server.gateway.received.at(-1)?.session ?? "");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "part two after the release" }).nth(1).waitFor();
    assert.ok((await fromEnd(page)) <= 2, "at the end again, the answer's last piece is in sight");
    assert.deepEqual(pageErrors, []);
  });

  test("Enter is a new line (a phone's keyboard has no Shift+Enter); tapping Send sends and the keyboard stays up", async () => {
    const input = page.locator("#message-input");
    await input.tap();
    await page.keyboard.type("first line");
    await page.keyboard.press("Enter");
    await page.keyboard.type("second line");
    assert.equal(await input.inputValue(), "first line\nsecond line", "Enter put a new line in the box");
    assert.equal(await page.locator(".message.user", { hasText: "first line" }).count(), 0, "nothing was sent by Enter");
    assert.doesNotMatch((await input.getAttribute("placeholder")) ?? "", /Enter sends/, "the box does not promise what a phone's keyboard cannot do");
    await page.locator("#send-button").tap();
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: first line" }).waitFor();
    assert.equal(await page.locator(".message.user").last().innerText(), "first line\nsecond line");
    assert.equal(await page.evaluate(() => (globalThis as unknown as Browser).document.activeElement?.id), "message-input", "the focus (the keyboard) stayed in the box");
    await page.screenshot({ path: join(ARTIFACTS, "touch-two-lines.png") });
    assert.deepEqual(pageErrors, []);
  });

  test("a screen reader hears who said what; a copy of a message has its words alone", async () => {
    const heard = await page.locator("#transcript").ariaSnapshot();
    assert.match(heard, /- article: "?You: first line/, `your message is an article of the log, said to be yours:\n${heard}`);
    assert.match(heard, /- article:\s*- text: "Answer:"\s*- paragraph:[^]*You said: first line/, `the answer is its own article, said to be the answer:\n${heard}`);
    assert.doesNotMatch(heard, /minimax-m2\.1 You:/, "the model's name under an answer does not run into the next message");
    assert.equal(await page.locator(".message.user").last().innerText(), "first line\nsecond line");
  });

  test("a tap on the context meter shows its exact counts (a phone has no hover for them); another tap, the short words", async () => {
    const words = page.locator("#context-text");
    const short = await words.innerText();
    assert.match(short, /prompt tokens/, `the meter has its short words first (${short})`);
    const detail = (await words.getAttribute("title")) ?? "";
    assert.ok(detail.length > short.length, "the meter has a detail to show");
    await page.locator("#context-meter").tap();
    assert.equal(await words.innerText(), detail, "the detail is in the line");
    assert.equal(await words.evaluate((node) => node.scrollWidth <= node.clientWidth), true, "wrapped, not cut");
    await page.screenshot({ path: join(ARTIFACTS, "touch-context-detail.png") });
    await page.locator("#context-meter").tap();
    assert.equal(await words.innerText(), short);
  });

  test("on its side with the keyboard up, and with text at 200 %, the header gives the conversation most of the height", async () => {
    const heights = async (): Promise<{ header: number; transcript: number; composerBottom: number }> => {
      const [header, transcript, composer] = await Promise.all([".chat-header", "#transcript", "#composer"].map((selector) => page.locator(selector).boundingBox()));
      assert.ok(header && transcript && composer, "the header, the conversation and the message box are laid out");
      return { header: header.height, transcript: transcript.height, composerBottom: composer.y + composer.height };
    };
    const visibleOnItsSide = 390 - 160; // a phone's keyboard on its side, about
    await page.setViewportSize({ width: 844, height: 390 });
    await page.locator("#message-input").tap();
    await page.setViewportSize({ width: 844, height: visibleOnItsSide });
    await page.waitForFunction((visible) => (globalThis as unknown as { innerHeight: number }).innerHeight === visible, visibleOnItsSide);
    const onItsSide = await heights();
    await page.screenshot({ path: join(ARTIFACTS, "touch-landscape-keyboard.png") });
    assert.ok(onItsSide.composerBottom <= visibleOnItsSide + 1, `the message box is above the keyboard (${onItsSide.composerBottom} of ${visibleOnItsSide} px)`);
    assert.ok(onItsSide.header <= 50, `the header keeps to one line (${onItsSide.header} px)`);
    assert.ok(onItsSide.transcript >= visibleOnItsSide / 2, `the conversation has most of the height (${onItsSide.transcript} of ${visibleOnItsSide} px)`);
    assert.equal(await page.locator("#model-picker").isVisible(), true, "the model picker is still there");

    // Text at 200 % on a 390-px phone lays the page out 195 CSS px wide.
    await page.setViewportSize({ width: 195, height: 422 });
    await page.waitForFunction(() => (globalThis as unknown as { innerWidth: number }).innerWidth === 195);
    const large = await heights();
    await page.screenshot({ path: join(ARTIFACTS, "touch-large-text.png") });
    assert.ok(large.transcript >= 422 * 0.6, `the conversation has most of the height (${large.transcript} of 422 px; the header ${large.header})`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth), 195, "nothing is wider than the screen");
    assert.deepEqual(pageErrors, []);
  });

  test("the header's controls are big enough for a finger; at 200 % text a panel's Back button is on the screen", async () => {
    await page.setViewportSize(PHONE);
    for (const control of [page.locator("#model-picker"), page.getByRole("button", { name: "Conversations" }), page.getByRole("button", { name: "Providers" })]) {
      const found = await control.boundingBox();
      assert.ok(found && found.height >= 32, `${await control.evaluate((node) => node.id || node.textContent)} is ${found?.height} px high`);
    }
    await page.setViewportSize({ width: 195, height: 422 });
    await page.getByRole("button", { name: "Providers" }).tap();
    const back = await page.locator(".status .panel-close").boundingBox();
    assert.ok(back && back.x + back.width <= 195, `the Back button ends at ${back ? back.x + back.width : "?"} of 195 px`);
    await page.screenshot({ path: join(ARTIFACTS, "touch-large-text-providers.png") });
    await page.locator(".status .panel-close").tap();
    await page.locator(".status").waitFor({ state: "hidden" });
  });
});

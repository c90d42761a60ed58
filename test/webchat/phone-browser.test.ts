// The web chat page on a phone-size screen (390×844, an iPhone's) in a real chromium: the conversation fills the
// page, the list and the providers are a button away, the message box stays in sight with the on-screen keyboard
// up (the window 336 px shorter), and Markdown tables and images render readably. Screenshots go to
// test-artifacts/webchat/phone-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/run-cli.js";
import { startWebChatTestServer, type WebChatTestServer } from "../helpers/webchat-server.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const PHONE = { width: 390, height: 844 };
/** An iPhone's on-screen keyboard, about. */
const KEYBOARD = 336;

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

/** The page's globals as these checks read them (the tests compile without the DOM's types). */
interface Shape {
  scrollWidth: number;
  clientWidth: number;
  lastElementChild: Shape | null;
  getBoundingClientRect(): { bottom: number };
}
interface Browser {
  document: { documentElement: Shape; activeElement: { id: string } | null; getElementById(id: string): Shape | null };
  innerWidth: number;
  getComputedStyle(node: unknown): { borderTopWidth: string; borderTopStyle: string; paddingLeft: string };
}
/** Whether nothing on the page is wider than the window (no sideways scrolling). */
const fitsWidth = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as Browser;
    return document.documentElement.scrollWidth <= innerWidth;
  });

/** Waits until the conversation's last element is in sight at the bottom of its box. */
const endInSight = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => {
    const transcript = (globalThis as unknown as Browser).document.getElementById("transcript");
    const last = transcript?.lastElementChild;
    return !!transcript && !!last && last.getBoundingClientRect().bottom <= transcript.getBoundingClientRect().bottom + 1;
  });

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  assert.ok(found, "the element is laid out");
  return found;
}

describe("web chat page on a phone-size screen", () => {
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startWebChatTestServer();
    browser = await launchChromium({ profilePrefix: "hearth-webchat-phone-", viewport: PHONE });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor({ state: "attached" });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the conversation comes first and fills the screen; the list and the providers are behind buttons", async () => {
    assert.equal(await page.locator(".sidebar").isVisible(), false, "the conversation list is not in the way");
    assert.equal(await page.locator(".status").isVisible(), false, "nor the providers panel");
    assert.equal(await page.getByRole("button", { name: "Conversations" }).isVisible(), true);
    const transcript = await box(page.locator("#transcript"));
    const header = await box(page.locator(".chat-header"));
    const composer = await box(page.locator("#composer"));
    assert.ok(header.y < 1, `the header is at the top (y ${header.y})`);
    assert.ok(transcript.height > PHONE.height * 0.6, `the conversation is most of the screen (${transcript.height} px of ${PHONE.height})`);
    assert.ok(composer.y + composer.height <= PHONE.height, "the message box is on screen");
    assert.ok(await fitsWidth(page), "nothing is wider than the screen");
  });

  test("a table's cells are separated, a wide one scrolls in its own box, an image is a labelled link", async () => {
    await sendMessage(page, "show me a table");
    const answer = page.locator('.message.assistant[data-state="done"]', { hasText: "to finish" });
    await answer.waitFor();
    const cell = answer.locator("td").first();
    const style = await cell.evaluate((node) => {
      const computed = (globalThis as unknown as Browser).getComputedStyle(node);
      return { border: computed.borderTopWidth, borderStyle: computed.borderTopStyle, padding: Number.parseFloat(computed.paddingLeft) };
    });
    assert.deepEqual({ border: style.border, borderStyle: style.borderStyle }, { border: "1px", borderStyle: "solid" }, "cells have borders");
    assert.ok(style.padding >= 4, `cells have padding (${style.padding} px)`);
    const [narrow, wide] = await answer.locator(".table-scroll").all();
    assert.ok(narrow && wide, "both tables are drawn, each in its box");
    assert.equal(await narrow.evaluate((node) => node.scrollWidth <= node.clientWidth), true, "a table that fits does not scroll");
    assert.equal(await wide.evaluate((node) => node.scrollWidth > node.clientWidth), true, "the wide table scrolls in its box");
    assert.ok(await fitsWidth(page), "the page itself does not scroll sideways");

    const text = await answer.innerText();
    assert.match(text, /And image: a chart to finish\./);
    assert.doesNotMatch(text, /!/, "no stray `!` of the Markdown image");
    const image = answer.locator("a.image-link");
    assert.equal(await image.getAttribute("href"), "http://127.0.0.1:9/chart.png");
    assert.equal(await image.getAttribute("rel"), "noopener noreferrer");
    assert.equal(await page.locator("#transcript img").count(), 0, "nothing is loaded from where the model points");
    await page.screenshot({ path: join(ARTIFACTS, "phone-conversation.png") });
  });

  test("the Conversations button opens the list; picking one goes back to the conversation", async () => {
    const toggle = page.getByRole("button", { name: "Conversations" });
    await toggle.click();
    await page.locator(".sidebar").waitFor({ state: "visible" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    const list = await box(page.locator(".sidebar"));
    assert.ok(list.height >= PHONE.height - 1, `the list covers the screen (${list.height} px)`);
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".sidebar").waitFor({ state: "hidden" });
    await page.locator(".empty").waitFor();
    await sendMessage(page, "a second conversation");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: a second conversation" }).waitFor();

    await toggle.click();
    await page.locator(".session-link").nth(1).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "phone-conversations.png") });
    await page.locator(".session-link", { hasText: "show me a table" }).click();
    await page.locator(".sidebar").waitFor({ state: "hidden" });
    await page.locator(".message.user", { hasText: "show me a table" }).waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");

    // The providers the same way; Escape goes back.
    await page.getByRole("button", { name: "Providers" }).click();
    await page.locator('.provider[data-provider="lmstudio"]').waitFor({ state: "visible" });
    // Each chart, drawn while the panel was hidden, is as wide as its card once shown (not a desktop's fixed width).
    const charts = page.locator(".provider-chart .uplot");
    await charts.first().waitFor({ state: "visible" });
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): Iterable<{ clientWidth: number; querySelector(selector: string): { clientWidth: number } | null }> } };
      const boxes = [...document.querySelectorAll(".provider-chart")].filter((chartBox) => chartBox.querySelector(".uplot"));
      return boxes.length > 0 && boxes.every((chartBox) => Math.abs((chartBox.querySelector(".uplot")?.clientWidth ?? 0) - chartBox.clientWidth) <= 1);
    });
    const chart = await box(charts.first());
    assert.ok(chart.width >= PHONE.width - 60, `the chart spans its card (${chart.width} px of a ${PHONE.width} px screen)`);
    assert.equal(await fitsWidth(page), true, "no chart wider than the screen");
    await page.screenshot({ path: join(ARTIFACTS, "phone-providers.png") });
    await page.keyboard.press("Escape");
    await page.locator(".status").waitFor({ state: "hidden" });
    assert.equal(await page.locator("#transcript").isVisible(), true);
  });

  test("with the on-screen keyboard up, the message box and the end of the conversation stay in sight", async () => {
    await page.getByLabel("Message").focus();
    await page.setViewportSize({ width: PHONE.width, height: PHONE.height - KEYBOARD });
    const visibleHeight = PHONE.height - KEYBOARD;
    // The page follows the window's resize event (visible-height.ts), a moment after it: waited for, not raced.
    await page.waitForFunction((visible) => {
      const composer = (globalThis as unknown as Browser).document.getElementById("composer");
      return !!composer && composer.getBoundingClientRect().bottom <= visible;
    }, visibleHeight);
    // The conversation was read at its end: it stays there as its box gets shorter.
    await endInSight(page);
    const composer = await box(page.locator("#composer"));
    assert.ok(composer.y + composer.height <= visibleHeight, `the message box is above the keyboard (bottom ${composer.y + composer.height}, ${visibleHeight} visible)`);
    const header = await box(page.locator(".chat-header"));
    assert.ok(header.y >= 0 && header.y < 1, "the header stays at the top");
    const transcript = await box(page.locator("#transcript"));
    assert.ok(transcript.height > 150, `some of the conversation is still in sight (${transcript.height} px)`);
    assert.equal(await page.evaluate(() => (globalThis as unknown as Browser).document.activeElement?.id), "message-input");
    await page.screenshot({ path: join(ARTIFACTS, "phone-keyboard.png") });
    await page.getByLabel("Message").fill("typed with the keyboard up");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: typed with the keyboard up" }).waitFor();
    await endInSight(page);
    assert.deepEqual(pageErrors, []);
  });
});

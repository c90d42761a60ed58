// The web chat's layout at every window width, in a real chromium (t12-user #4): on a 1280-px laptop an
// answer bubble (max-width 780 px) was wider than its 760-px column, hid under the Providers panel and made the
// conversation scroll sideways. An answer with a long code line, a wide table and a long token is drawn at each
// width; no bubble may be wider than the conversation's column, and neither the column nor the page may scroll
// sideways (the code block and the table scroll in their own boxes). Screenshots: test-artifacts/webchat/layout-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/run-cli.js";
import { startWebChatTestServer, type WebChatTestServer } from "../helpers/webchat-server.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
/** The narrow layout's last width (900), the wide layout's first (901) and the laptops and desktops after it; a phone. */
const WIDTHS = [901, 1024, 1280, 1366, 1600, 390];

interface Rect {
  left: number;
  right: number;
  width: number;
}
interface Node {
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): Rect;
  querySelectorAll(selector: string): Iterable<Node>;
}
interface Browser {
  document: { documentElement: Node; getElementById(id: string): Node | null; querySelectorAll(selector: string): Iterable<Node> };
  innerWidth: number;
  getComputedStyle(node: Node): { paddingLeft: string; paddingRight: string };
}

/** The conversation column's box, each bubble's, and how wide each scrolling box is against what it shows. */
interface Geometry {
  innerWidth: number;
  pageScrollWidth: number;
  column: { left: number; right: number; scrollWidth: number; clientWidth: number };
  bubbles: Rect[];
  /** Code blocks and tables: wider inside than shown (they scroll in their own box), yet inside their bubble. */
  scrollers: { right: number; scrollWidth: number; clientWidth: number }[];
}

const geometry = (page: Page): Promise<Geometry> =>
  page.evaluate(() => {
    const { document, innerWidth, getComputedStyle } = globalThis as unknown as Browser;
    const transcript = document.getElementById("transcript");
    if (!transcript) throw new Error("no #transcript");
    const box = transcript.getBoundingClientRect();
    const style = getComputedStyle(transcript);
    // (No named function in here: the test's compiler would name it with a helper the page does not have.)
    return {
      innerWidth,
      pageScrollWidth: document.documentElement.scrollWidth,
      column: { left: box.left + parseFloat(style.paddingLeft), right: box.right - parseFloat(style.paddingRight), scrollWidth: transcript.scrollWidth, clientWidth: transcript.clientWidth },
      bubbles: [...document.querySelectorAll("#transcript .message")].map((node) => {
        const { left, right, width } = node.getBoundingClientRect();
        return { left, right, width };
      }),
      scrollers: [...document.querySelectorAll("#transcript pre, #transcript .table-scroll")].map((node) => ({ right: node.getBoundingClientRect().right, scrollWidth: node.scrollWidth, clientWidth: node.clientWidth })),
    };
  });

describe("web chat layout at every window width", () => {
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;
  let page: Page;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startWebChatTestServer();
    browser = await launchChromium({ profilePrefix: "hearth-webchat-layout-" });
    page = browser.page;
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.getByLabel("Message").fill(`show me a wide answer ${"y".repeat(200)}`);
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "to finish" }).waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const width of WIDTHS) {
    test(`${width} px: every bubble fits its column, and nothing scrolls sideways but the code block and the table`, async () => {
      await page.setViewportSize({ width, height: 860 });
      // A frame for the layout to follow the new size.
      await page.evaluate(() => new Promise((resolve) => (globalThis as unknown as { requestAnimationFrame(callback: () => void): void }).requestAnimationFrame(() => resolve(undefined))));
      const shape = await geometry(page);
      await page.locator("#transcript pre").first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, `layout-${width}.png`) });
      assert.equal(shape.bubbles.length, 2, "the message and its answer");
      for (const bubble of shape.bubbles) {
        assert.ok(bubble.left >= shape.column.left - 0.5 && bubble.right <= shape.column.right + 0.5, `a ${bubble.width}-px bubble at ${bubble.left}–${bubble.right} outside the column ${shape.column.left}–${shape.column.right}`);
      }
      assert.ok(shape.column.scrollWidth <= shape.column.clientWidth, `the conversation scrolls sideways: ${shape.column.scrollWidth} > ${shape.column.clientWidth}`);
      assert.ok(shape.pageScrollWidth <= shape.innerWidth, `the page scrolls sideways: ${shape.pageScrollWidth} > ${shape.innerWidth}`);
      // The answer is wider than any column here: its code block and table scroll in their own boxes, inside the bubble.
      assert.equal(shape.scrollers.length, 2, "a code block and a table");
      const answer = shape.bubbles[1] as Rect;
      for (const scroller of shape.scrollers) {
        assert.ok(scroller.scrollWidth > scroller.clientWidth, "wider than its box: it scrolls there");
        assert.ok(scroller.right <= answer.right + 0.5, "inside its bubble");
      }
    });
  }
});

// Linking WhatsApp from the web chat's status panel, in a real browser: the channel (on the Baileys
// stand-in) gets a QR code from WhatsApp, the gateway's status carries it (never a file or a log), and
// the page draws exactly that code — read back module by module from the canvas — and a new one when
// WhatsApp replaces it, until the account is linked.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import qrcode from "qrcode-generator";
import type { Page } from "playwright-core";
import { createHttpApp, serveHttp, type RunningServer } from "../../src/channels/http/server.js";
import { webChatRoutes } from "../../src/channels/webchat/routes.js";
import { WhatsAppChannel } from "../../src/channels/whatsapp/channel.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { whatsappSettings } from "../../src/channels/whatsapp/settings.js";
import { WhatsAppView } from "../../src/cli/gateway/whatsapp-view.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { memoryGateway } from "../helpers/memory-gateway.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { FakeWhatsApp } from "../whatsapp/fake-whatsapp.js";

const WAIT_MS = 15_000;
// Shaped like Baileys' codes: ref, noise key, identity key, adv secret — base64, comma-separated.
const FIRST = "2@Q0FGRUJBQkU0NUQ3NjE0Mw==,dGhlLW5vaXNlLWtleS1wdWJsaWMtcGFydC0wMQ==,aWRlbnRpdHkta2V5LXB1YmxpYy0wMQ==,YWR2LXNlY3JldC0wMQ==";
const SECOND = "2@Q0FGRUJBQkU0NUQ3NjE0NA==,dGhlLW5vaXNlLWtleS1wdWJsaWMtcGFydC0wMg==,aWRlbnRpdHkta2V5LXB1YmxpYy0wMg==,YWR2LXNlY3JldC0wMg==";

/** The modules of `code` as qrcode-generator lays them out, row by row ("1" dark). */
function expectedModules(code: string): string[] {
  const qr = qrcode(0, "L");
  qr.addData(code, "Byte");
  qr.make();
  const size = qr.getModuleCount();
  return Array.from({ length: size }, (_, row) => Array.from({ length: size }, (_, column) => (qr.isDark(row, column) ? "1" : "0")).join(""));
}

/** In the page (this project's tests have no DOM types): the drawn code read back from the canvas, the centre pixel of each module (4 px cells, 4-module quiet zone). */
const READ_CANVAS = `(() => {
  const canvas = document.querySelector('[data-channel="whatsapp"] canvas.channel-qr');
  if (!canvas) return [];
  const modules = Number(canvas.dataset.modules);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const rows = [];
  for (let row = 0; row < modules; row++) {
    let line = "";
    for (let column = 0; column < modules; column++) {
      const x = (column + 4) * 4 + 2;
      const y = (row + 4) * 4 + 2;
      line += pixels[(y * canvas.width + x) * 4] < 128 ? "1" : "0";
    }
    rows.push(line);
  }
  return rows;
})()`;

const drawnModules = (page: Page): Promise<string[]> => page.evaluate<string[]>(READ_CANVAS);

describe("linking WhatsApp from the web chat's status panel, in chromium", () => {
  const temp = tempDir();
  const stateDir = join(temp.dir, "state");
  const whatsapp = new FakeWhatsApp();
  const gateway = memoryGateway();
  const view = new WhatsAppView({ stateDir, enabled: () => true });
  const logs: string[] = [];
  let channel: WhatsAppChannel;
  let server: RunningServer;
  let browser: LaunchedBrowser;

  before(async () => {
    channel = new WhatsAppChannel({
      port: gateway,
      settings: whatsappSettings({ enabled: true, allowFrom: ["+15550100001"] }),
      stateDir,
      socketFactory: whatsapp.factory,
      logger: { info: (line) => logs.push(line), warn: (line) => logs.push(line) },
      onQr: view.onQr,
    });
    await channel.start();
    const app = createHttpApp({ port: gateway, auth: { token: undefined }, limits: { maxBodyBytes: 1024 * 1024 }, logger: { info: () => undefined, warn: () => undefined, error: () => undefined }, version: "0.1.0", channelStatus: () => [view.view()] });
    app.route("/", webChatRoutes({ assetsDir: join(repoRoot, "dist/web") }));
    server = await serveHttp({ app, host: "127.0.0.1", port: 0 });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-whatsapp-", waitMs: WAIT_MS });
  });
  after(async () => {
    channel?.stop();
    await browser?.close();
    await server?.close();
    temp.cleanup();
  });

  test("the code WhatsApp sent is drawn module for module; a new code replaces it; once linked, none is shown", async () => {
    whatsapp.socket.emit("connection.update", { qr: FIRST });
    const { page } = browser;
    await page.goto(server.url);
    const card = page.locator('[data-channel="whatsapp"]');
    await card.locator("canvas.channel-qr").waitFor();
    assert.equal(await card.getAttribute("data-state"), "waiting-for-scan");
    assert.match(await card.innerText(), /not linked · waiting-for-scan/);
    assert.match(await card.innerText(), /Linked devices → Link a device/);
    assert.deepEqual(await drawnModules(page), expectedModules(FIRST));
    await page.screenshot({ path: join(repoRoot, "test-artifacts/webchat/whatsapp-link.png") });

    // WhatsApp replaces the code about every 20 s: the page reads the status again while unlinked.
    whatsapp.socket.emit("connection.update", { qr: SECOND });
    const deadline = Date.now() + WAIT_MS;
    let drawn = await drawnModules(page);
    while (JSON.stringify(drawn) !== JSON.stringify(expectedModules(SECOND)) && Date.now() < deadline) {
      await page.waitForTimeout(200);
      drawn = await drawnModules(page);
    }
    assert.deepEqual(drawn, expectedModules(SECOND));
    assert.notDeepEqual(expectedModules(SECOND), expectedModules(FIRST), "the two codes differ, so the redraw is seen");

    // The phone scanned it: Baileys writes the credentials and the connection opens.
    mkdirSync(whatsappPaths(stateDir).credentials, { recursive: true });
    writeFileSync(join(whatsappPaths(stateDir).credentials, "creds.json"), "{}");
    whatsapp.open();
    await page.reload();
    await card.locator(".channel-details", { hasText: "linked · connected" }).waitFor();
    assert.equal(await card.locator("canvas").count(), 0, "no code once linked");
    assert.equal(view.view().qr, null);
  });

  test("the code is kept in memory only: not in the channel's files, not in its log", async () => {
    const { readdirSync, readFileSync, statSync } = await import("node:fs");
    const files = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
    for (const file of files(stateDir)) {
      const text = readFileSync(file, "utf8");
      assert.ok(!text.includes("2@Q0FGRUJBQkU0NUQ3NjE0"), `${file} holds a QR code`);
    }
    assert.ok(logs.every((line) => !line.includes("2@Q0FGRUJBQkU0NUQ3NjE0")), logs.join("\n"));
  });
});

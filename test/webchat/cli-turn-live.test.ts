// The web chat page in a real browser (chromium via playwright-core) against the real `bin/hearth gateway`,
// with the session open, while another process — `hearth agent -s web-1` — answers in that session: the
// page shows the CLI's turn without a reload (the gateway watches the session files and says
// `session-updated`). Screenshot: test-artifacts/webchat/cli-turn-live.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { repoRoot, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
/** Every browser wait is bounded by this (playwright's default is 30 s). */
const WAIT_MS = 15_000;

describe("a turn another process writes to the open conversation reaches the page live", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-cli-turn-");
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let file = "";
  const state = join(temp.dir, "state");
  const pageErrors: string[] = [];
  /** The model's answer to "take your time" waits for this. */
  let letGo: (() => void) | undefined;
  const heldBack = new Promise<void>((resolve) => (letGo = resolve));
  let askedHeld: (() => void) | undefined;
  const asked = new Promise<void>((resolve) => (askedHeld = resolve));
  /** The same for "hold on" (the third test). */
  let letGoAgain: (() => void) | undefined;
  const heldAgain = new Promise<void>((resolve) => (letGoAgain = resolve));
  let askedAgain: (() => void) | undefined;
  const askedHoldOn = new Promise<void>((resolve) => (askedAgain = resolve));

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startFakeServer(async (request) => {
      if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      if (message === "take your time") {
        askedHeld?.();
        await heldBack;
      }
      if (message === "hold on") {
        askedAgain?.();
        await heldAgain;
      }
      return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}`, chunkSize: 8 }) };
    });
    file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-cli-turn-", waitMs: WAIT_MS });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("`hearth agent -s web-1` answers while the page has web-1 open: the page shows the turn, and the list the session, without a reload", async () => {
    assert.ok(gateway);
    await page.goto(`${gateway.url}/#session=web-1`);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.getByLabel("Message").fill("from the page");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: from the page" }).waitFor();
    // A mark a reload would wipe: the page must still carry it at the end.
    await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));

    const cli = await runCli(["--config", file, "agent", "-s", "web-1", "-m", "from the terminal"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, "Heard: from the terminal\n");

    await page.locator(".message.assistant", { hasText: "Heard: from the terminal" }).waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["from the page", "from the terminal"]);
    await page.locator('.session-link[data-session="web-1"]', { hasText: "from the terminal" }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true, "the page was not reloaded");
    await page.screenshot({ path: join(ARTIFACTS, "cli-turn-live.png") });

    // A session the page does not have open: it joins the conversation list, the open one stays as it is.
    const other = await runCli(["--config", file, "agent", "-s", "cli-only", "-m", "elsewhere"], { env: { HEARTH_STATE_DIR: state } });
    assert.equal(other.code, 0, other.stderr);
    await page.locator('.session-link[data-session="cli-only"]').waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["from the page", "from the terminal"]);
    assert.deepEqual(pageErrors, []);
  });

  test("while the CLI's turn is under way the page shows its message as waiting for its answer (not unanswered), then the answer", async () => {
    const cli = runCli(["--config", file, "agent", "-s", "web-1", "-m", "take your time"], { env: { HEARTH_STATE_DIR: state } });
    await asked;
    await page.locator(".message.user", { hasText: "take your time" }).waitFor();
    assert.equal(await page.locator(".note-unanswered").count(), 0, "a turn under way in another process is not shown as unanswered");
    letGo?.();
    const result = await cli;
    assert.equal(result.code, 0, result.stderr);
    await page.locator(".message.assistant", { hasText: "Heard: take your time" }).waitFor();
    assert.equal(await page.locator(".note-unanswered").count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true, "the page was not reloaded");
    assert.deepEqual(pageErrors, []);
  });

  test("two reloads of the open conversation answered out of order: the page keeps the newer (the older answer, without the reply, is not drawn over it)", async () => {
    // The first reload (told when the CLI saved its message) is answered last, with what the file held then.
    let held: { release: () => void } | undefined;
    let heldSeen: (() => void) | undefined;
    const firstHeld = new Promise<void>((resolve) => (heldSeen = resolve));
    let taken = false;
    await page.route("**/api/sessions/web-1", async (route) => {
      if (route.request().method() !== "GET" || taken) return route.fallback();
      taken = true;
      const response = await route.fetch();
      const body = await response.text();
      const released = new Promise<void>((resolve) => (held = { release: resolve }));
      heldSeen?.();
      await released;
      await route.fulfill({ response, body });
    });
    try {
      const cli = runCli(["--config", file, "agent", "-s", "web-1", "-m", "hold on"], { env: { HEARTH_STATE_DIR: state } });
      await askedHoldOn;
      await firstHeld;
      letGoAgain?.();
      const result = await cli;
      assert.equal(result.code, 0, result.stderr);
      await page.locator(".message.assistant", { hasText: "Heard: hold on" }).waitFor();
      const staleIn = page.waitForEvent("requestfinished", (request) => request.url().endsWith("/api/sessions/web-1") && request.method() === "GET");
      held?.release();
      // The stale answer has come in whole and the page has had its turns to draw it: it was not drawn.
      await staleIn;
      await page.evaluate(() => {
        const frame = (globalThis as unknown as { requestAnimationFrame: (next: () => void) => number }).requestAnimationFrame;
        return new Promise((resolve) => frame(() => frame(() => setTimeout(resolve, 0))));
      });
      assert.equal(await page.locator(".message.assistant", { hasText: "Heard: hold on" }).count(), 1, "the older reload did not wipe the reply");
      assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true, "the page was not reloaded");
      assert.deepEqual(pageErrors, []);
    } finally {
      held?.release();
      await page.unroute("**/api/sessions/web-1");
    }
  });
});

// The web chat page in a real browser (chromium via playwright-core) against the real `bin/hearth gateway`,
// while `hearth agent -s web-2` answers in the open conversation and a message of the gateway's waits
// behind it for the session's lock: once both are answered, every tab shows the terminal's answer too, in
// its place, and no answer left "under way" — without a reload (t20 #1: the terminal's answer was missed by
// the tab that sent the waiting message, and by a tab that watched an API turn start right after it).
// Screenshots: test-artifacts/webchat/cli-then-gateway-*.png.
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

/** A model answer held until the test lets it go, and a promise that it was asked. */
function gate(): { asked: Promise<void>; markAsked: () => void; held: Promise<void>; letGo: () => void } {
  let markAsked = (): void => undefined;
  let letGo = (): void => undefined;
  const asked = new Promise<void>((resolve) => (markAsked = resolve));
  const held = new Promise<void>((resolve) => (letGo = resolve));
  return { asked, markAsked, held, letGo };
}

/** The conversation's messages in order, each as "user: …" or "assistant: …" (its words, without its notes). */
const transcriptOf = async (page: Page): Promise<string[]> => {
  const shown: string[] = [];
  for (const message of await page.locator("#transcript .message").all()) {
    const role = (await message.getAttribute("class"))?.split(" ").includes("user") ? "user" : "assistant";
    shown.push(`${role}: ${(await message.locator(".message-text").innerText()).trim()}`);
  }
  return shown;
};

describe("a terminal's turn followed at once by a turn of the gateway in the same conversation", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-cli-then-gateway-");
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let sender: Page;
  let watcher: Page;
  let file = "";
  const state = join(temp.dir, "state");
  const pageErrors: string[] = [];
  const gates = new Map([
    ["terminal first", gate()],
    ["terminal again", gate()],
  ]);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startFakeServer(async (request) => {
      if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      if (request.method !== "POST") return { kind: "json", status: 404, body: {} };
      const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
      const held = gates.get(message);
      if (held) {
        held.markAsked();
        await held.held;
      }
      return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}`, chunkSize: 8 }) };
    });
    file = temp.write("hearth.json5", `{ agents: { defaults: { model: { primary: "home/m" } } }, models: { mode: "replace", providers: { home: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`);
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-cli-then-gateway-", waitMs: WAIT_MS });
    sender = browser.page;
    watcher = await browser.context.newPage();
    for (const page of [sender, watcher]) page.on("pageerror", (error) => pageErrors.push(error.message));
    for (const page of [sender, watcher]) {
      await page.goto(`${gateway.url}/#session=web-2`);
      await page.locator('#connection-state[data-live="true"]').waitFor();
      // A mark a reload would wipe: each page must still carry it at the end.
      await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
    }
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  /** Until the answer is on the page and none is under way (drawn live, or as saved once a read drew the conversation again). */
  const settled = async (page: Page, lastAnswer: string): Promise<void> => {
    await page.locator(".message.assistant", { hasText: lastAnswer }).waitFor();
    await page.locator('.message.assistant[data-state="streaming"]').waitFor({ state: "detached" });
  };
  /** Until the gateway shows the message waiting in web-2 (its turn not begun). */
  const waitingInGateway = async (text: string): Promise<void> => {
    assert.ok(gateway);
    for (let tries = 0; tries < 300; tries++) {
      const read = (await (await fetch(`${gateway.url}/api/sessions/web-2`)).json()) as { waiting?: { text: string }[] };
      if (read.waiting?.some((message) => message.text === text)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`"${text}" never showed as waiting in web-2`);
  };

  test("a message sent from the page while `hearth agent` holds the conversation: both tabs end with the terminal's answer, then the page's", async () => {
    const terminal = gates.get("terminal first");
    assert.ok(terminal);
    const cli = runCli(["--config", file, "agent", "-s", "web-2", "-m", "terminal first"], { env: { HEARTH_STATE_DIR: state } });
    await terminal.asked;
    await sender.locator(".message.user", { hasText: "terminal first" }).waitFor();
    await sender.getByLabel("Message").fill("page behind the terminal");
    await sender.getByLabel("Message").press("Enter");
    await sender.locator(".message.user", { hasText: "page behind the terminal" }).waitFor();
    terminal.letGo();
    const result = await cli;
    assert.equal(result.code, 0, result.stderr);

    const expected = ["user: terminal first", "assistant: Heard: terminal first", "user: page behind the terminal", "assistant: Heard: page behind the terminal"];
    for (const [name, page] of [["sender", sender], ["watcher", watcher]] as const) {
      await settled(page, "Heard: page behind the terminal");
      await page.locator(".message.assistant", { hasText: "Heard: terminal first" }).waitFor();
      assert.deepEqual(await transcriptOf(page), expected, `${name}: the terminal's answer in its place`);
      assert.equal(await page.locator('.message.assistant[data-state="streaming"]').count(), 0, `${name}: no answer left under way`);
      assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true, `${name}: not reloaded`);
      await page.screenshot({ path: join(ARTIFACTS, `cli-then-gateway-${name}.png`) });
    }
    assert.deepEqual(pageErrors, []);
  });

  test("an API turn that starts the moment the terminal's turn ends: the watching tabs show the terminal's answer before it", async () => {
    assert.ok(gateway);
    const terminal = gates.get("terminal again");
    assert.ok(terminal);
    const cli = runCli(["--config", file, "agent", "-s", "web-2", "-m", "terminal again"], { env: { HEARTH_STATE_DIR: state } });
    await terminal.asked;
    await watcher.locator(".message.user", { hasText: "terminal again" }).waitFor();
    // Agent mode on the same session: it waits for the terminal's lock, and begins as soon as the terminal lets go.
    const api = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hearth-session": "web-2" },
      body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "api behind the terminal" }] }),
    });
    await waitingInGateway("api behind the terminal");
    terminal.letGo();
    const [result, answer] = await Promise.all([cli, api]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(answer.status, 200, await answer.text());

    for (const [name, page] of [["sender", sender], ["watcher", watcher]] as const) {
      await settled(page, "Heard: api behind the terminal");
      await page.locator(".message.assistant", { hasText: "Heard: terminal again" }).waitFor();
      const shown = await transcriptOf(page);
      assert.deepEqual(shown.slice(-4), ["user: terminal again", "assistant: Heard: terminal again", "user: api behind the terminal", "assistant: Heard: api behind the terminal"], `${name}: ${shown.join(" | ")}`);
      assert.equal(await page.locator('.message.assistant[data-state="streaming"]').count(), 0, `${name}: no answer left under way`);
      assert.equal(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded), true, `${name}: not reloaded`);
    }
    assert.deepEqual(pageErrors, []);
  });
  test("/compact typed in one tab: its answer stays in that tab, and no tab shows an answer under way for it", async () => {
    await sender.getByLabel("Message").fill("/compact");
    await sender.getByLabel("Message").press("Enter");
    for (const [name, page] of [["sender", sender], ["watcher", watcher]] as const) {
      await page.locator(".command-result").last().waitFor();
      // Whatever the compaction told on its way (no turn: a command) came before its answer.
      assert.equal(await page.locator('.message.assistant[data-state="streaming"]').count(), 0, `${name}: no answer under way: ${await page.locator("#transcript").innerText()}`);
    }
    // The turn after it is drawn (and any read it starts) with the command's answer kept in the tab that typed it.
    await sender.getByLabel("Message").fill("after the compaction");
    await sender.getByLabel("Message").press("Enter");
    await settled(sender, "Heard: after the compaction");
    await sender.locator(".command-result").last().waitFor();
    assert.equal(await sender.locator('.message.assistant[data-state="streaming"]').count(), 0);
    await sender.screenshot({ path: join(ARTIFACTS, "cli-then-gateway-compact.png") });
    assert.deepEqual(pageErrors, []);
  });
});

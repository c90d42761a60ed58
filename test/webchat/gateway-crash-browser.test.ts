// The web chat page in chromium against the REAL `bin/hearth gateway`, killed with SIGKILL mid-answer and
// started again (t13 #3, #4): a page opened while a message waits behind a turn shows it waiting; after the
// restart the message that was being answered says its answer was cut off by the stop, the one queued behind
// it that it never began — each with its own Retry, and the first one's Retry gets it answered.
// Screenshots: test-artifacts/webchat/crash-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 20_000;

function config(baseUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

/** "echo: <message>", every answer held until the test lets them go. */
function heldModel(): { handler: Handler; release: () => void; arrived: Promise<void> } {
  const answer = scriptedModel("openai-completions", (turns) => ({ text: `echo: ${lastUser(turns)}` }));
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (release = resolve));
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  return {
    arrived,
    handler: async (request) => {
      if (request.path === "/v1/chat/completions") {
        arrive();
        await gate;
      }
      return answer(request);
    },
    release: () => {
      release();
      gate = Promise.resolve();
    },
  };
}

const post = (gateway: RunningGateway, session: string, text: string) =>
  fetch(`${gateway.url}/api/sessions/${session}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });

describe("web chat across a kill -9 of the real gateway", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-crash-");
  const model = heldModel();
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let file = "";
  const state = join(temp.dir, "state");

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startFakeServer(model.handler);
    file = temp.write("hearth.json5", config(server.baseUrl));
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-crash-browser-", waitMs: WAIT_MS });
    page = browser.page;
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("waiting, then cut off by the stop: the page says which, and Retry sends the first again", async () => {
    assert.ok(gateway);
    assert.equal((await post(gateway, "s1", "first, being answered")).status, 202);
    await model.arrived;
    assert.equal((await post(gateway, "s1", "second, queued behind")).status, 202);
    // Opened now: the queued message shows, waiting, after the answer under way.
    await page.goto(`${gateway.url}/#session=s1`);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const waiting = page.locator(".message.user[data-waiting]", { hasText: "second, queued behind" });
    await waiting.waitFor();
    assert.match(await waiting.locator(".note-waiting").innerText(), /waiting for the answer before it/);
    const order = await page.locator("#transcript .message").evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute("data-role") ?? ""}${node.hasAttribute("data-waiting") ? " waiting" : ""}`));
    assert.deepEqual(order, ["user", "assistant", "user waiting"]);
    await page.screenshot({ path: join(ARTIFACTS, "crash-1-waiting.png") });

    gateway.child.kill("SIGKILL");
    await gateway.exited;
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    await gateway.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    await page.goto(`${gateway.url}/#session=s1`);
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const first = page.locator(".message.user", { hasText: "first, being answered" });
    const second = page.locator(".message.user", { hasText: "second, queued behind" });
    await first.locator(".retry").waitFor();
    await second.locator(".retry").waitFor();
    const notices = await page.locator("#transcript .note-notice").allInnerTexts();
    assert.deepEqual(
      notices.map((text) => text.slice(0, 60)),
      ["no answer: hearth stopped while answering this message (the ", "no answer: hearth stopped before this message's turn began; "],
    );
    assert.match(notices[0] ?? "", /the words shown as the answer streamed were not kept — Retry sends it again/);
    assert.equal(await page.locator(".message.user[data-waiting]").count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, "crash-2-after-restart.png") });

    model.release();
    await first.locator(".retry").click();
    await page.locator('.message.assistant[data-state="done"]', { hasText: "echo: first, being answered" }).waitFor();
    assert.equal(await second.locator(".retry").count(), 1, "the other message keeps its own Retry");
    await page.screenshot({ path: join(ARTIFACTS, "crash-3-retried.png") });
  });
});

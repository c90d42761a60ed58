// The web chat page in chromium against the REAL `bin/hearth gateway`, killed with SIGKILL mid-answer and
// started again (t13 #3, #4, t13-replay #2): a page opened while a message waits behind a turn shows it
// waiting; after the restart the message that was being answered says its answer was cut off by the stop,
// the one queued behind it that it never began — each with its own Retry, which a page reloaded after a
// later message was answered still gives both. The first one's Retry gets it answered, the question shown
// again above its answer (live, and after a reload alike), its first showing no longer offering a Retry;
// `/retry` typed sends the other. Screenshots: test-artifacts/webchat/crash-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { heldModel, localModelConfig as config, postMessage } from "../helpers/cut-gateway.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 20_000;

const post = (gateway: RunningGateway, session: string, text: string) => postMessage(gateway, session, { text });

/** The conversation as drawn: each bubble's role (a message shown again marked so, one with a Retry too), then each notice's start. */
const drawn = (page: Page): Promise<string[]> =>
  page.locator("#transcript .message, #transcript .note-notice").evaluateAll((nodes) =>
    nodes.map((node) =>
      node.classList.contains("note-notice")
        ? `notice: ${(node.textContent ?? "").slice(0, 25)}…${/ — (sent again below|Retry sends it( again)?)$/.exec(node.textContent ?? "")?.[0] ?? ""}`
        : `${node.getAttribute("data-role") ?? ""}: ${(node.querySelector(".message-text")?.textContent ?? "").trim()}${node.hasAttribute("data-sent-again") ? " (sent again)" : ""}${node.querySelector(".retry") ? " [Retry]" : ""}`,
    ),
  );

describe("web chat across a kill -9 of the real gateway", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-crash-");
  const model = heldModel((turns) => ({ text: `echo: ${lastUser(turns)}` }));
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

  test("waiting, then cut off by the stop: the page says which; each keeps its Retry after a later answer and a reload; the first one's Retry reads as its answer, live and reloaded; /retry typed sends the other", async () => {
    assert.ok(gateway);
    assert.equal((await post(gateway, "s1", "first, being answered")).status, 202);
    await model.arrived(1);
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

    // A later message answered: a page reloaded now still gives both their Retry (not only those after the last answer).
    model.release();
    assert.equal((await post(gateway, "s1", "third, after the restart")).status, 202);
    await page.locator('.message.assistant[data-state="done"]', { hasText: "echo: third, after the restart" }).waitFor();
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.assistant", { hasText: "echo: third, after the restart" }).waitFor();
    assert.deepEqual(await drawn(page), [
      "user: first, being answered [Retry]",
      "notice: no answer: hearth stopped… — Retry sends it again",
      "user: second, queued behind [Retry]",
      "notice: no answer: hearth stopped… — Retry sends it",
      "user: third, after the restart",
      "assistant: echo: third, after the restart",
    ]);

    // The first one's Retry: the question shown again above its answer as it comes, as the saved conversation has it.
    model.hold();
    await first.first().locator(".retry").click();
    await page.locator('.message.assistant[data-state="streaming"]').waitFor();
    assert.deepEqual((await drawn(page)).slice(-3), ["assistant: echo: third, after the restart", "user: first, being answered (sent again)", "assistant: …"], "live, while its answer comes");
    model.release();
    // Its turn over, the page draws the conversation as saved (a resend changes how the try before it reads).
    await page.locator(".message.assistant", { hasText: "echo: first, being answered" }).waitFor();
    const retried = [
      "user: first, being answered",
      "notice: no answer: hearth stopped… — sent again below",
      "user: second, queued behind [Retry]",
      "notice: no answer: hearth stopped… — Retry sends it",
      "user: third, after the restart",
      "assistant: echo: third, after the restart",
      "user: first, being answered (sent again)",
      "assistant: echo: first, being answered",
    ];
    await page.locator(".note-notice", { hasText: "sent again below" }).waitFor();
    assert.deepEqual(await drawn(page), retried, "live");
    await page.screenshot({ path: join(ARTIFACTS, "crash-3-retried.png") });
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.assistant", { hasText: "echo: first, being answered" }).waitFor();
    assert.deepEqual(await drawn(page), retried, "after a reload: the same");

    // `/retry` typed: the latest message without an answer, the second, shown again with its answer; no Retry is left.
    await page.locator("#message-input").fill("/retry");
    await page.locator("#message-input").press("Enter");
    await page.locator(".message.assistant", { hasText: "echo: second, queued behind" }).waitFor();
    await page.locator(".note-notice", { hasText: "hearth stopped before this message's turn began; nothing was lost — sent again below" }).waitFor();
    assert.deepEqual((await drawn(page)).slice(-2), ["user: second, queued behind (sent again)", "assistant: echo: second, queued behind"]);
    assert.equal(await page.locator("#transcript .retry").count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, "crash-4-retry-typed.png") });
  });
});

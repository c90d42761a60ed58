// The web chat page in a real browser (Debian's chromium driven by playwright-core) against the REAL
// `bin/hearth gateway` process: its own /api, its own agent and router, two fake OpenAI chat-completions
// servers on 127.0.0.1 as the primary ("home") and the fallback ("spare"). Screenshots go to
// test-artifacts/webchat/gateway-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
/** Every browser wait is bounded by this (playwright's default is 30 s). */
const WAIT_MS = 15_000;

/** The slow answer: its first sentence is on screen seconds before its last. */
const SLOW_HEAD = "The first part of this answer arrives early.";
const SLOW_TAIL = "And this last part arrives at the very end.";
const SLOW_ANSWER = `${SLOW_HEAD} Then more words, streamed a few characters at a time, while the page draws each piece. ${SLOW_TAIL}`;

/**
 * A local OpenAI-compatible model server: GET /v1/models lists "m" (the gateway's reachability check);
 * POST /v1/chat/completions streams `answer(lastUserMessage)` `chunkSize` characters a frame, `frameDelayMs` apart.
 */
function modelServer(answer: (message: string) => string, stream: { chunkSize: number; frameDelayMs: number }): Handler {
  return (request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    if (message.startsWith("[silent]")) return { kind: "hang-before-headers" };
    // "[cut]": the answer stops at the reply limit (finish_reason "length").
    const cut = message.startsWith("[cut]") ? { finishReason: "length" as const } : {};
    return { kind: "sse", frames: completionsStream({ model: "m", text: answer(message), chunkSize: stream.chunkSize, usage: { input: 120, output: 30 }, ...cut }), frameDelayMs: stream.frameDelayMs };
  };
}

function config(primaryUrl: string, fallbackUrl: string): string {
  return `{
    agents: { defaults: {
      model: { primary: "home/m", fallbacks: ["spare/m"] },
      models: { "home/m": { alias: "Home" }, "spare/m": { alias: "Spare" } },
    } },
    models: { mode: "replace", providers: {
      home: { baseUrl: "${primaryUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      spare: { baseUrl: "${fallbackUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 16384, maxTokens: 1024 }] },
    } },
  }`;
}

/** Rejects when `promise` takes longer than `ms` (nothing in this file waits unbounded). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}


async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

const sessionOf = (page: Page): string => decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
const doneAnswer = (page: Page, text: string | RegExp) => page.locator('.message.assistant[data-state="done"]', { hasText: text });

describe("web chat page in chromium against the real `hearth gateway`", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-gateway-");
  let primary: FakeServer | undefined;
  let fallback: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  let firstSession = "";

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The primary streams slowly (8 characters every 90 ms: about 1.6 s for the slow answer); the fallback answers at once.
    primary = await startFakeServer(modelServer((message) => (message.startsWith("stream") ? SLOW_ANSWER : `Home heard: ${message}`), { chunkSize: 8, frameDelayMs: 90 }));
    fallback = await startFakeServer(modelServer((message) => `Spare heard: ${message}`, { chunkSize: 16, frameDelayMs: 5 }));
    const file = temp.write("hearth.json5", config(primary.baseUrl, fallback.baseUrl));
    gateway = await within(startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") }), WAIT_MS, "the gateway to start");
    browser = await launchChromium({ profilePrefix: "hearth-webchat-gateway-browser-", waitMs: WAIT_MS });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("response", (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await primary?.close();
    await fallback?.close();
    temp.cleanup();
  });

  test("the status panel lists both providers, an answer streams in, and the primary's first-token chart appears", async () => {
    await page.locator(".provider").nth(1).waitFor();
    assert.deepEqual(await page.locator(".provider h3").allInnerTexts(), ["home", "spare"]);
    // Both servers answered the gateway's reachability check: no setup banner, and the local primary is up.
    assert.equal(await page.locator("#setup-banner").isVisible(), false);
    await page.locator('.provider[data-provider="home"][data-state="up"]').waitFor();
    assert.match(await page.locator('.provider[data-provider="home"]').innerText(), /no answers yet/);
    const options = await page.locator("#model-picker option").allInnerTexts();
    assert.ok(options.some((option) => option.includes("Home")) && options.some((option) => option.includes("Spare")), options.join(", "));

    await sendMessage(page, "stream me a slow answer");
    firstSession = sessionOf(page);
    assert.match(firstSession, /^web-/);
    const answer = page.locator(".message.assistant").last();
    await page.locator('.message.assistant[data-state="streaming"]', { hasText: SLOW_HEAD }).waitFor();
    // One look at the page: the head is shown, the tail is not yet, and the turn is still running.
    const midway = await answer.evaluate((node) => ({ state: node.getAttribute("data-state"), text: (node as { innerText: string }).innerText }));
    assert.equal(midway.state, "streaming");
    assert.match(midway.text, new RegExp(SLOW_HEAD.replace(/\./g, "\\.")));
    assert.doesNotMatch(midway.text, /last part arrives/, "part of the answer is visible before the whole is");
    assert.equal(await page.locator("#stop-button").isVisible(), true);
    await page.screenshot({ path: join(ARTIFACTS, "gateway-answer-streaming.png") });

    await doneAnswer(page, SLOW_TAIL).waitFor();
    assert.match(await answer.innerText(), /The first part of this answer arrives early\. Then more words.*And this last part arrives at the very end\./s);
    assert.equal(await answer.locator(".message-model").innerText(), "home/m");
    assert.equal(await answer.locator(".note").count(), 0, "the primary answered: no note");
    assert.equal(await page.locator("#stop-button").isVisible(), false);
    assert.equal(await page.locator('.message.user[data-role="user"]').count(), 1, "the user's message is shown once");

    // The first-token latency of that answer reached the status panel (a provider-health event) and is drawn.
    const home = page.locator('.provider[data-provider="home"]');
    await home.locator(".provider-chart canvas").first().waitFor();
    assert.match(await home.locator(".provider-details").innerText(), /local · up · last first token \d+ ms/);
    assert.match(await page.locator('.provider[data-provider="spare"]').innerText(), /no answers yet/);
    // Measured against what the prompt may use of the window; on hover the exact counts, and the 32,768-token window as "32k", as LM Studio and llama.cpp say it.
    await page.locator("#context-text", { hasText: /^[\d.]+k? of [\d.]+k prompt tokens \(\d+ %\) · home\/m$/ }).waitFor();
    assert.match((await page.locator("#context-text").getAttribute("title")) ?? "", /^[\d,]+ of the [\d,]+ tokens the prompt may use in home\/m's 32k window \(32,768 tokens: the rest is kept for the reply and a reserve\)$/);
    await page.screenshot({ path: join(ARTIFACTS, "gateway-streamed-answer-and-status.png") });
  });

  test("the primary refuses connections: the fallback answers and the page shows the note", async () => {
    await primary?.close();
    await sendMessage(page, "are you still there?");
    const answer = doneAnswer(page, "Spare heard: are you still there?");
    await answer.waitFor();
    assert.equal(await answer.locator(".note-fallback").innerText(), "answered by Spare — Home (local server) unreachable");
    assert.equal(await answer.locator(".message-model").innerText(), "spare/m");
    // The failed attempt is noted as it happens, and the primary's card turns to cooling down.
    // (The router's message already names the model: the note names it once.)
    assert.match(await answer.locator(".note-attempt").first().innerText(), /^Home: cannot reach 127\.0\.0\.1:\d+: connection refused.* — trying Spare$/);
    const home = page.locator('.provider[data-provider="home"]');
    await page.locator('.provider[data-provider="home"][data-state="cooling"]').waitFor();
    assert.match(await home.innerText(), /cooling down/);
    await page.locator('.provider[data-provider="spare"] .provider-chart canvas').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "gateway-fallback-note.png") });
  });

  test("conversations: a new one, switching back to the first, and the history after a reload", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    const second = sessionOf(page);
    assert.notEqual(second, firstSession);
    await sendMessage(page, "a second conversation");
    await doneAnswer(page, "Spare heard: a second conversation").waitFor();
    await page.locator(`.session-link[data-session="${second}"]`).waitFor();
    assert.equal(await page.locator(".session-link").count(), 2);
    assert.equal(await page.locator(".message.user", { hasText: "stream me a slow answer" }).count(), 0);

    await page.locator(`.session-link[data-session="${firstSession}"]`).click();
    await page.locator(".message.user", { hasText: "stream me a slow answer" }).waitFor();
    await page.locator(".message.assistant", { hasText: SLOW_TAIL }).waitFor();
    assert.equal(await page.locator(".message.user", { hasText: "a second conversation" }).count(), 0);
    assert.equal(await page.locator(`.session-link[data-session="${firstSession}"]`).getAttribute("aria-current"), "page");
    assert.equal(sessionOf(page), firstSession);

    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.user", { hasText: "are you still there?" }).waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["stream me a slow answer", "are you still there?"]);
    const answers = page.locator(".message.assistant");
    assert.equal(await answers.count(), 2);
    assert.match(await answers.nth(0).innerText(), /The first part of this answer arrives early\..*And this last part arrives at the very end\./s);
    assert.match(await answers.nth(1).innerText(), /Spare heard: are you still there\?/);
    assert.equal(await answers.nth(1).locator(".message-model").innerText(), "spare/m");
    // The note the live turn showed beside the fallback's answer is kept with it.
    assert.equal(await answers.nth(1).locator(".note-fallback").innerText(), "answered by Spare — Home (local server) unreachable");
    assert.equal(await answers.nth(0).locator(".note").count(), 0, "the primary's answer has no note");
    assert.equal(await page.locator(".session-link").count(), 2);
    // After the reload the status panel comes from /api/status: both charts are still drawn.
    await page.locator('.provider[data-provider="home"] .provider-chart canvas').first().waitFor();
    await page.locator('.provider[data-provider="spare"] .provider-chart canvas').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "gateway-history-after-reload.png") });

    assert.deepEqual(pageErrors, []);
    // A new conversation's key is not read until its first message: no request failed, nothing in the console.
    assert.deepEqual(failedRequests, []);
    assert.deepEqual(consoleErrors, []);
    assert.doesNotMatch(gateway?.stderr() ?? "", /error|unhandled/i);
  });

  test("a mistyped command is answered and never sent; //shrug sends /shrug, shown once; the page's icon is served", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    const session = sessionOf(page);
    await sendMessage(page, "/modle Spare");
    await page.locator(".command-result", { hasText: "unknown command /modle — did you mean /model? (/help lists them)" }).waitFor();
    await sendMessage(page, "//shrug");
    await doneAnswer(page, "Spare heard: /shrug").waitFor();
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["/modle Spare", "/shrug"], "each message once, the slash message as sent");
    assert.equal(await page.locator(".message.assistant").count(), 1, "the mistyped command got no turn");
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.assistant", { hasText: "Spare heard: /shrug" }).waitFor();
    assert.equal(sessionOf(page), session);
    assert.deepEqual(await page.locator(".message.user").allInnerTexts(), ["/shrug"], "the history keeps no trace of the mistyped command");

    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    assert.equal(icon, "/favicon.svg");
    for (const path of [icon, "/favicon.ico"]) {
      const response = await page.request.get(new URL(path, gateway?.url).href);
      assert.equal(response.status(), 200, path);
      assert.equal(response.headers()["content-type"], "image/svg+xml", path);
      assert.match(await response.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, path);
    }
  });

  test("after a reload the picker says the session's /model choice and a cut-off answer keeps its note", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    const session = sessionOf(page);
    await sendMessage(page, "/model Spare");
    await page.locator(".command-result").last().waitFor();
    // The picker follows /model (it reads the session's choice once the command is answered).
    // (A selector, not waitForFunction: the page's policy allows no eval, which a string predicate needs.)
    await page.locator('#model-picker option:checked[value="Spare"]').waitFor({ state: "attached" });
    await sendMessage(page, "[cut] a long story");
    const answer = doneAnswer(page, "Spare heard: [cut] a long story");
    await answer.waitFor();
    const truncatedLive = await answer.locator(".note-truncated").innerText();
    assert.equal(truncatedLive, "the answer was cut off at the reply limit (1,024 tokens: spare/m's maxTokens in the config); ask to continue, or raise maxTokens there");

    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.assistant", { hasText: "Spare heard: [cut] a long story" }).waitFor();
    assert.equal(sessionOf(page), session);
    // Set with the history it came with: both are there once the answer is.
    assert.equal(await page.getByLabel("Model").inputValue(), "Spare", "the session's /model choice, not the agent's model");
    // In the words the live turn showed (the limit the request carried), not made up again from the entry.
    assert.equal(await page.locator(".message.assistant .note-truncated").innerText(), truncatedLive);
    await page.screenshot({ path: join(ARTIFACTS, "gateway-choice-and-notes-after-reload.png") });

    await sendMessage(page, "/model reset");
    await page.locator(".command-result").nth(0).waitFor();
    await page.locator('#model-picker option:checked[value=""]').waitFor({ state: "attached" });
  });

  test("a server that says nothing: within 10 s the page says what it waits for and what comes next; Stop ends it", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    await sendMessage(page, "[silent] is anyone there?");
    const answer = page.locator('.message.assistant[data-state="streaming"]');
    const waiting = answer.locator(".note-waiting");
    await waiting.waitFor();
    // The primary is down (the test before): the fallback is the one that took the request and says nothing.
    assert.match(await waiting.innerText(), /^no reply from Spare for [5-9] s \(prompt \d+ tokens[^)]*\) — giving up if none by \d+ s \(its first-token limit\)$/);
    assert.equal(await waiting.count(), 1, "one line, replaced as the wait goes on");
    await page.screenshot({ path: join(ARTIFACTS, "gateway-silent-server.png") });
    await page.locator("#stop-button").click();
    const ended = page.locator('.message.assistant[data-state="failed"]').last();
    await ended.waitFor();
    assert.equal(await ended.locator(".note-waiting").count(), 0, "the wait is over: its line is gone");
  });
});

// The web chat page in chromium while the REAL `bin/hearth gateway` stops, is away, and comes back on
// the same port and state dir: one banner (stopping, then restarting with the time to the next try),
// the status panel marked stale, only /health asked meanwhile and less and less often, a message typed
// meanwhile kept visibly (in localStorage: a tab reloaded meanwhile shows it too) and sent once when the
// gateway is back — answered once, though two tabs hold it. Screenshots: test-artifacts/webchat/down-*.png.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page, Route } from "playwright-core";
import { LINK_BACKOFF } from "../../src/channels/webchat/page/backoff.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, startGatewayWith, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WEB = join(repoRoot, "dist/web");
/** Every browser wait is bounded by this (playwright's default is 30 s). */
const WAIT_MS = 15_000;
/** The page asks /health at most every 10 s (±20 %) while the gateway is away: its return is seen within this (page time). */
const BACK_WITHIN_MS = 30_000;
/**
 * The page's clock (playwright's page.clock, installed before the page loads: both tabs' timers and Date) moves with real
 * time, and the test moves it on past the page's waits while the gateway is away, a step at a time with a moment of real
 * time between (for the /health try a step fired to end before the next step): `skippedMs` is how far it is ahead.
 */
const CLOCK_STEP_MS = 500;
const AWAY_TEXT = "kept while hearth was away";
const SLOW_ANSWER = "A slow answer, still streaming when the gateway is told to stop, finished before it exits.";

/** The slow answer starts once this is opened: the test opens it when the page has said the gateway stops with that turn in flight. */
let slowGate: Promise<void> = Promise.resolve();

/** "slow…" waits for `slowGate`, then streams for about 3 s (the stop waits for it); anything else is answered at once. */
const modelServer: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
  const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
  if (message.startsWith("slow")) return slowGate.then(() => ({ kind: "sse", frames: completionsStream({ model: "m", text: SLOW_ANSWER, chunkSize: 3, usage: { input: 50, output: 20 } }), frameDelayMs: 100 }));
  return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}`, chunkSize: 64, usage: { input: 50, output: 20 } }), frameDelayMs: 1 };
};

function config(modelUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "home/m" }, models: { "home/m": { alias: "Home" } } } },
    models: { mode: "replace", providers: { home: { baseUrl: "${modelUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How far the page's clock was moved on ahead of real time. */
let skippedMs = 0;
/** The time on the page's clock. */
const pageNow = (): number => Date.now() + skippedMs;

/** Moves the page's clock on, step by step, until `done` holds or `limitMs` of page time passed. */
async function moveClockOn(page: Page, options: { limitMs: number; done?: () => Promise<boolean> }): Promise<void> {
  const until = pageNow() + options.limitMs;
  while (pageNow() < until && !(await options.done?.())) {
    const step = Math.min(CLOCK_STEP_MS, until - pageNow());
    if (step <= 0) break;
    // Counted before the jump: a try the jump fires is reported to the test before fastForward resolves, and it fired at the jump's end.
    skippedMs += step;
    await page.clock.fastForward(step);
    await pause(25);
  }
}

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

/** The page and its assets as a copy the browser kept would serve them while the gateway is away; the rest goes to the network. */
async function servePageFromCopy(route: Route): Promise<void> {
  const path = new URL(route.request().url()).pathname;
  const file = path === "/" ? "index.html" : path.startsWith("/assets/") ? path.slice(1) : undefined;
  if (!file) return route.continue();
  const type = file.endsWith(".html") ? "text/html" : file.endsWith(".css") ? "text/css" : "text/javascript";
  return route.fulfill({ status: 200, contentType: type, body: readFileSync(join(WEB, file)) });
}

/** What the page keeps in localStorage to send later (null: nothing). */
const unsentKept = (page: Page): Promise<unknown> => page.evaluate("localStorage.getItem('hearth.unsent-messages')");

const modelCallsSaying = (model: FakeServer, text: string): number =>
  model.requests.filter((request) => request.path === "/v1/chat/completions" && lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)) === text).length;

describe("web chat page while the real gateway stops, is away and comes back", { timeout: 180_000 }, () => {
  const temp = tempDir("hearth-webchat-down-");
  const stateDir = join(temp.dir, "state");
  let model: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let configFile = "";
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startFakeServer(modelServer);
    configFile = temp.write("hearth.json5", config(model.baseUrl));
    gateway = await within(startGateway(["--config", configFile], { HEARTH_STATE_DIR: stateDir }), WAIT_MS, "the gateway to start");
    browser = await launchChromium({ profilePrefix: "hearth-webchat-down-browser-", waitMs: WAIT_MS });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.clock.install();
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await model?.close();
    temp.cleanup();
  });

  test("stopping, then away with fewer and fewer tries; a message typed meanwhile is kept (a reload too) and sent once when it is back", async () => {
    assert.ok(gateway && model && browser);
    await sendMessage(page, "hello");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: hello" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    assert.notEqual(session, "");

    // A second tab on the same conversation: it is reloaded while the gateway is away.
    const other = await browser.context.newPage();
    other.on("pageerror", (error) => pageErrors.push(error.message));
    await other.goto(`${gateway.url}/#session=${encodeURIComponent(session)}`);
    await other.locator('#connection-state[data-live="true"]').waitFor();

    // A slow answer is under way; the gateway is told to stop meanwhile (it finishes that turn first).
    let openSlowGate: () => void = () => undefined;
    slowGate = new Promise((resolve) => (openSlowGate = resolve));
    await sendMessage(page, "slow please");
    await page.locator(".message.assistant.streaming").waitFor();
    const requests: { at: number; path: string }[] = [];
    page.on("request", (request) => requests.push({ at: pageNow(), path: new URL(request.url()).pathname }));
    // The state and its words seen at once: the banner moves on to "restarting" once the turn is done and the gateway gone.
    const stoppingBanner = page.locator('#link-banner[data-state="stopping"]', { hasText: /hearth is stopping \(1 turn finishing\) — the page reconnects once it is back/ }).waitFor();
    const stoppedAt = pageNow();
    gateway.child.kill("SIGTERM");
    await stoppingBanner;
    await page.screenshot({ path: join(ARTIFACTS, "down-stopping.png") });
    openSlowGate();

    // The listener is closed: the next try finds nothing, and the banner says a restart is awaited, counting down.
    await page.locator('#link-banner[data-state="restarting"]').waitFor();
    assert.match(await page.locator("#link-banner").innerText(), /hearth is restarting — not reachable yet, retrying (in \d+ s|now…)/);
    assert.equal(await within(gateway.exited, WAIT_MS, "the stopping gateway to exit"), 0);
    await page.locator('.provider-list[data-stale="true"] .stale-note', { hasText: /hearth is not reachable, this may be out of date/ }).waitFor();
    // No error in the conversation: the banner says it all.
    assert.equal(await page.locator("#transcript .note-error").count(), 0, await page.locator("#transcript").innerText());
    await page.screenshot({ path: join(ARTIFACTS, "down-restarting.png") });

    // What the page asks while the gateway is away: /health only, less and less often.
    await moveClockOn(page, { limitMs: stoppedAt + 14_000 - pageNow() });
    const tries = requests.filter((request) => request.at >= stoppedAt);
    assert.deepEqual([...new Set(tries.map((request) => request.path))], ["/health"], JSON.stringify(tries));
    const gaps = tries.slice(1).map((request, index) => request.at - (tries[index]?.at ?? 0));
    // Bounds a loaded machine cannot break (it only makes waits longer): at most five tries in 14 s (the schedule's shortest
    // waits, 0.8 + 1.6 + 3.2 + 6.4 s, leave room for no more), none sooner than the shortest wait after the one before; at
    // least two (a try at least every 12 s). The doubling itself is tested exactly in link-backoff.test.ts.
    assert.ok(tries.length >= 2 && tries.length <= 5, `tries in 14 s: ${tries.length} (gaps ${gaps.join(", ")} ms)`);
    assert.ok(gaps.every((gap) => gap >= LINK_BACKOFF.firstMs * (1 - LINK_BACKOFF.jitter) - 50), `no try sooner than the shortest wait after the one before: ${gaps.join(", ")} ms`);

    // A message typed now is kept, visibly, with a way to cancel it.
    await sendMessage(page, AWAY_TEXT);
    const held = page.locator("#outbox .held", { hasText: AWAY_TEXT });
    await held.waitFor();
    assert.match(await held.innerText(), /Not sent yet — will be sent when hearth is back/);
    await sendMessage(page, "cancel this one");
    const cancelled = page.locator("#outbox .held", { hasText: "cancel this one" });
    await cancelled.getByRole("button", { name: /Cancel/ }).click();
    await cancelled.waitFor({ state: "detached" });
    assert.equal(await page.locator("#outbox .held").count(), 1);
    assert.equal(await page.locator("#transcript .message.user", { hasText: AWAY_TEXT }).count(), 0);
    const kept = String(await unsentKept(page));
    assert.ok(kept.includes(AWAY_TEXT) && !kept.includes("cancel this one"), kept);
    await page.screenshot({ path: join(ARTIFACTS, "down-held-message.png") });

    // The other tab is reloaded meanwhile (its page from the copy the browser kept): the message is still there, and so is the banner.
    await other.route("**/*", servePageFromCopy);
    await other.reload();
    await other.locator("#outbox .held", { hasText: AWAY_TEXT }).waitFor();
    await other.locator('#link-banner:not([hidden])', { hasText: /hearth is not reachable — retrying/ }).waitFor();
    assert.equal(await other.locator("#outbox .held", { hasText: "cancel this one" }).count(), 0);
    await other.screenshot({ path: join(ARTIFACTS, "down-reloaded-tab.png") });

    // A gateway again, on the same port and state dir: both tabs see it back, and the message goes once.
    const port = new URL(gateway.url).port;
    gateway = await within(startGatewayWith(["--port", port, "--config", configFile], { HEARTH_STATE_DIR: stateDir }), WAIT_MS, "the second gateway to start");
    // The pages' next /health tries are brought on: both banners go once a try finds it.
    const bannersGone = async (): Promise<boolean> => (await page.locator("#link-banner").isHidden()) && (await other.locator("#link-banner").isHidden());
    await moveClockOn(page, { limitMs: BACK_WITHIN_MS, done: bannersGone });
    for (const tab of [page, other]) {
      await tab.locator("#link-banner").waitFor({ state: "hidden" });
      // Streamed (the tab that sent it) or read from the saved history (the other, back after the turn ended).
      await tab.locator(".message.assistant:not(.streaming)", { hasText: `Heard: ${AWAY_TEXT}` }).waitFor();
      await tab.locator("#outbox").waitFor({ state: "hidden" });
      assert.equal(await tab.locator(".message.user", { hasText: AWAY_TEXT }).count(), 1, "the message is shown once");
      assert.equal(await tab.locator(".message.assistant", { hasText: `Heard: ${AWAY_TEXT}` }).count(), 1, "and answered once");
      assert.equal(await tab.locator('.provider-list[data-stale="true"]').count(), 0);
      assert.equal(await tab.locator("#transcript .note-error").count(), 0, await tab.locator("#transcript").innerText());
    }
    // Everything read again: the slow answer the first gateway finished while it stopped is in the open conversation, no turn left "answering".
    await page.locator(".message.assistant", { hasText: SLOW_ANSWER }).waitFor();
    assert.equal(await page.locator(".message.assistant.streaming").count(), 0);
    assert.equal(await page.locator("#stop-button").isVisible(), false);
    await page.screenshot({ path: join(ARTIFACTS, "down-back-and-sent.png") });

    // Once to the model, once in the session, nothing left in the browser.
    assert.equal(modelCallsSaying(model, AWAY_TEXT), 1);
    assert.equal(modelCallsSaying(model, "cancel this one"), 0);
    const saved = (await (await fetch(`${gateway.url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { items: { role: string; text: string }[] };
    assert.equal(saved.items.filter((item) => item.role === "user" && item.text === AWAY_TEXT).length, 1, JSON.stringify(saved.items));
    assert.equal(await unsentKept(page), null);
    assert.deepEqual(pageErrors, []);
  });

  test("a message whose answer is lost on the way back (the gateway took it) is not sent twice", async () => {
    assert.ok(gateway && model);
    const text = "its 202 never came back";
    const posts: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/messages")) posts.push(request.url());
    });
    // The gateway gets the message and answers 202; the browser sees the connection reset instead.
    await page.route("**/api/sessions/*/messages", async (route) => {
      await route.fetch();
      await route.abort("connectionreset");
    }, { times: 1 });
    await sendMessage(page, text);
    await page.locator('.message.assistant[data-state="done"]', { hasText: `Heard: ${text}` }).waitFor();
    // The page asked /health, found the gateway there, and kept nothing to send again.
    await page.locator("#link-banner").waitFor({ state: "hidden" });
    await page.locator("#outbox").waitFor({ state: "hidden" });
    assert.equal(await unsentKept(page), null);
    assert.equal(posts.length, 1, posts.join(", "));
    assert.equal(modelCallsSaying(model, text), 1);
    assert.equal(await page.locator(".message.user", { hasText: text }).count(), 1);
    assert.equal(await page.locator(".message.assistant", { hasText: `Heard: ${text}` }).count(), 1);
    assert.equal(await page.locator("#transcript .note-error").count(), 0, await page.locator("#transcript").innerText());
  });
});

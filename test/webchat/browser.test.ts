// The web chat page in a real browser (Debian's chromium driven by playwright-core) against the /api of
// docs/gateway.md (test/helpers/webchat-server.ts). Screenshots go to test-artifacts/webchat/.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot } from "../helpers/run-cli.js";
import { FALLBACK_NOTICE, HELP_TEXT } from "../helpers/scripted-gateway.js";
import { startWebChatTestServer, type WebChatTestServer } from "../helpers/webchat-server.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");


/** Types into the message box and presses Enter (the page's way to send). */
async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

const lastAnswer = (page: Page) => page.locator('.message.assistant').last();

describe("web chat page in chromium", () => {
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startWebChatTestServer();
    browser = await launchChromium({ profilePrefix: "hearth-webchat-browser-" });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("an answer streams in, with the status panel's charts beside it", async () => {
    await page.locator(".provider canvas").first().waitFor();
    assert.equal(await page.locator(".provider").count(), 3);
    assert.equal(await page.locator('.provider[data-provider="lmstudio"] canvas').first().isVisible(), true);
    assert.match(await page.locator('.provider[data-provider="anthropic"]').innerText(), /rate-limited \(429\)/);

    await sendMessage(page, "hold this answer for a moment");
    const answer = lastAnswer(page);
    await answer.locator("text=Streaming part one").waitFor();
    // Part of the answer is on screen while the turn is still running.
    assert.equal(await answer.getAttribute("data-state"), "streaming");
    assert.doesNotMatch(await answer.innerText(), /part two/);
    assert.equal(await page.locator("#stop-button").isVisible(), true);
    await page.screenshot({ path: join(ARTIFACTS, "answer-streaming.png") });

    const session = server.gateway.received.at(-1)?.session ?? "";
    server.gateway.release(session);
    await page.locator('.message.assistant[data-state="done"]').last().waitFor();
    assert.match(await lastAnswer(page).innerText(), /Streaming part one, and part two after the release\./);
    assert.equal(await page.locator('.message.user[data-role="user"]').count(), 1, "the user's message is shown once");
    assert.equal(server.gateway.received.at(-1)?.channel, "webchat");

    await sendMessage(page, "say hello in markdown");
    await page.locator('.message.assistant[data-state="done"]').nth(1).waitFor();
    assert.equal(await lastAnswer(page).locator("strong", { hasText: "scripted model" }).count(), 1, "markdown is rendered");
    // Reasoning is off by default: not on screen at all, as in the terminal.
    assert.equal(await lastAnswer(page).locator("details.reasoning").isVisible(), false, "no reasoning until /reasoning on");
    assert.doesNotMatch(await page.locator("#transcript").innerText(), /Thinking about what to say/);
    await sendMessage(page, "/reasoning on");
    await page.locator(".command-result", { hasText: "Reasoning will be shown" }).waitFor();
    // The session's setting now shows it, collapsed — on the answers already there and the next ones.
    await lastAnswer(page).locator("details.reasoning").waitFor({ state: "visible" });
    assert.equal(await lastAnswer(page).locator("details.reasoning").getAttribute("open"), null, "reasoning is collapsed");
    assert.doesNotMatch(await page.locator("#transcript").innerText(), /Thinking about what to say/, "collapsed: its text stays folded");
    await sendMessage(page, "and once more");
    await page.locator('.message.assistant[data-state="done"]').nth(2).waitFor();
    assert.equal(await lastAnswer(page).locator("details.reasoning").isVisible(), true);
    await lastAnswer(page).locator("details.reasoning summary").click();
    assert.match(await lastAnswer(page).locator("details.reasoning").innerText(), /Thinking about what to say/);
    await sendMessage(page, "/reasoning off");
    await page.locator(".command-result", { hasText: "Reasoning is hidden" }).waitFor();
    await lastAnswer(page).locator("details.reasoning").waitFor({ state: "hidden" });
    await page.locator("#context-text", { hasText: "of 180k prompt tokens" }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "streamed-answer-and-status.png") });
  });

  test("a fallback's answer and a loading local model get a visible note", async () => {
    await sendMessage(page, "please use the fallback");
    await page.locator(".note-fallback", { hasText: FALLBACK_NOTICE }).waitFor();
    assert.match(await lastAnswer(page).innerText(), /anthropic\/claude-opus-4-5/);

    await sendMessage(page, "while the model is loading");
    await page.locator(".note-loading", { hasText: "loading Minimax on the local server" }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "fallback-and-loading-notes.png") });
  });

  test("raw HTML in a reply shows as text and creates no element; images become labelled links, javascript: links stay text", async () => {
    await sendMessage(page, "reply with raw html");
    const answer = page.locator(".message.assistant", { hasText: "done." }).last();
    await answer.waitFor();
    await page.locator('.message.assistant[data-state="done"]', { hasText: "done." }).waitFor();
    const text = await answer.innerText();
    assert.match(text, /<img src=x onerror="window.__pwned=1">/);
    assert.match(text, /<script>window.__pwned=2<\/script>/);
    assert.equal(await page.locator("#transcript img").count(), 0);
    assert.equal(await page.locator("#transcript script").count(), 0);
    assert.equal(await page.evaluate("typeof window.__pwned"), "undefined");
    // A Markdown image becomes a link (nothing is fetched from where the model points); only http(s)/mailto links.
    assert.equal(await answer.locator("a", { hasText: "pixel" }).getAttribute("href"), "http://127.0.0.1:9/pixel.png");
    // Labelled as an image, and without the Markdown's `!` before it.
    assert.match(text, /<\/script> and image: pixel and /);
    assert.doesNotMatch(text, /!/);
    assert.equal(await page.locator('#transcript a[href^="javascript"]').count(), 0);
    const docs = answer.locator("a", { hasText: "the docs" });
    assert.equal(await docs.getAttribute("href"), "https://example.com/docs");
    assert.equal(await docs.getAttribute("rel"), "noopener noreferrer");
  });

  test("the / commands: /help lists them; Shift+Enter makes a new line instead of sending", async () => {
    await sendMessage(page, "/help");
    await page.locator(".command-result", { hasText: "/status" }).waitFor();
    assert.equal(await page.locator(".command-result").last().innerText(), HELP_TEXT);

    const before = server.gateway.received.length;
    await page.getByLabel("Message").fill("first line");
    await page.getByLabel("Message").press("Shift+Enter");
    await page.getByLabel("Message").pressSequentially("second line");
    assert.equal(await page.getByLabel("Message").inputValue(), "first line\nsecond line");
    assert.equal(server.gateway.received.length, before);
    await page.getByLabel("Message").fill("");
  });

  test("a model picked is the session's choice: set as /model sets it, kept over a reload; messages name no model", async () => {
    const options = await page.locator("#model-picker option").allInnerTexts();
    assert.ok(options.some((option) => option.startsWith("Minimax — lmstudio/minimax-m2.1")), options.join(", "));
    assert.ok(options.some((option) => option.startsWith("Opus — anthropic/claude-opus-4-5")), options.join(", "));
    const results = await page.locator(".command-result").count();
    await page.getByLabel("Model").selectOption("Opus");
    await page.locator(".command-result").nth(results).waitFor();
    assert.equal(await page.locator(".command-result").nth(results).innerText(), "This session now uses Opus (anthropic/claude-opus-4-5).");
    assert.equal(server.gateway.received.at(-1)?.text, "/model Opus", "the pick goes as /model does");
    assert.equal(await page.locator(".message.user", { hasText: "/model" }).count(), 0, "a pick shows no message of the user's");
    // Another command reads the session's choice again: it is the pick.
    await sendMessage(page, "/help");
    await page.locator(".command-result").nth(results + 1).waitFor();
    await page.locator('#model-picker option:checked[value="Opus"]').waitFor({ state: "attached" });
    await sendMessage(page, "answer with the picked model");
    await page.locator(".message-model", { hasText: "Opus" }).last().waitFor();
    assert.equal(server.gateway.received.at(-1)?.model, undefined, "the message names no model: the session's choice answers");
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator('#model-picker option:checked[value="Opus"]').waitFor({ state: "attached" });
    await page.getByLabel("Model").selectOption("");
    await page.locator(".command-result", { hasText: "Back to the agent's model" }).waitFor();
    assert.equal(server.gateway.received.at(-1)?.text, "/model reset");
  });

  test("Stop cancels a running turn; Retry resends the message that got no answer", async () => {
    await sendMessage(page, "hold on, I will stop this one");
    await page.locator('.message.assistant[data-state="streaming"]', { hasText: "Streaming part one" }).waitFor();
    await page.getByRole("button", { name: "Stop" }).click();
    await page.locator('.message.assistant[data-state="failed"]').waitFor();
    assert.match(await lastAnswer(page).innerText(), /cancelled — nothing was saved/);
    assert.equal(await page.locator("#stop-button").isVisible(), false);

    const session = server.gateway.received.at(-1)?.session ?? "";
    server.gateway.release(session);
    await page.getByRole("button", { name: "Retry" }).click();
    // Its turn over, a resend's conversation is drawn as saved: the answer is there, live or redrawn.
    await page.locator(".message.assistant", { hasText: "and part two after the release" }).last().waitFor();
    const resent = server.gateway.received.at(-1);
    assert.equal(resent?.retry, true);
    assert.equal(await page.locator(".message.user", { hasText: "hold on, I will stop this one" }).count(), 1, "a resend shows no second copy");
  });

  test("conversations: a new one, switching back, and the history after a reload", async () => {
    const first = server.gateway.received.at(-1)?.session ?? "";
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    await sendMessage(page, "a second conversation");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "You said: a second conversation" }).waitFor();
    await page.locator(".session-link").nth(1).waitFor();
    const second = server.gateway.received.at(-1)?.session ?? "";
    assert.notEqual(second, first);

    await page.locator(`.session-link[data-session="${first}"]`).click();
    await page.locator(".message.user", { hasText: "please use the fallback" }).waitFor();
    assert.equal(await page.locator(".message.user", { hasText: "a second conversation" }).count(), 0);
    assert.equal(await page.locator(`.session-link[data-session="${first}"]`).getAttribute("aria-current"), "page");

    await page.reload();
    await page.locator(".message.user", { hasText: "please use the fallback" }).waitFor();
    assert.equal(await page.locator(".note", { hasText: FALLBACK_NOTICE }).count(), 1, "the fallback note is in the history");
    assert.match(await page.locator(".message.assistant").first().innerText(), /Streaming part one, and part two/);
    assert.equal(await page.locator(".session-link").count(), 2);
    assert.deepEqual(pageErrors, []);
  });
});

describe("web chat page with a token and setup problems", () => {
  const problem = "no model server at 127.0.0.1:1234 — start LM Studio's server, or set ANTHROPIC_API_KEY, or run `hearth init`";
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;

  before(async () => {
    server = await startWebChatTestServer({ token: "s3cret-token", pendingToken: "n3w-token-not-yet", setupProblems: [problem] });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-browser-" });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("asks for the token once, keeps it, sends it on every request, and shows the setup banner", async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.locator("#token-dialog[open]").waitFor();
    assert.equal(await page.locator("#token-refused").isVisible(), false, "no token was tried yet: nothing was refused");
    // A wrong token is refused and asked for again, saying so.
    await page.getByRole("textbox", { name: "Token" }).fill("wrong-token");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#token-refused", { hasText: "The gateway refused that token: check gateway.auth.token in its config" }).waitFor();
    await page.locator("#token-dialog[open]").waitFor();
    // The config's `${VAR}` pasted as the token (t18 #7): told it is a variable's name, and never sent.
    await page.getByRole("textbox", { name: "Token" }).fill("${HEARTH_GATEWAY_TOKEN}");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#token-refused", { hasText: "That is the name of a variable the config reads the token from, not the token: copy the value of HEARTH_GATEWAY_TOKEN" }).waitFor();
    assert.equal(await page.locator("#token-dialog").isVisible(), true);
    // The config's new token, which the gateway takes only after its restart: the gateway's words, not "check the token".
    await page.getByRole("textbox", { name: "Token" }).fill("n3w-token-not-yet");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator("#token-refused", { hasText: "The gateway refused that token: this gateway needs the token it started with: the one sent is gateway.auth.token as the config holds it now" }).waitFor();
    await page.getByRole("textbox", { name: "Token" }).fill("s3cret-token");
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    assert.equal(await page.locator("#setup-banner").isVisible(), true);
    assert.match(await page.locator("#setup-banner").innerText(), /start LM Studio's server, or set ANTHROPIC_API_KEY/);
    assert.equal(await page.evaluate("localStorage.getItem('hearth.gateway-token')"), "s3cret-token");

    await sendMessage(page, "hello with a token");
    await page.locator('.message.assistant[data-state="done"]').waitFor();
    await page.reload();
    await page.locator(".message.user", { hasText: "hello with a token" }).waitFor();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    assert.equal(await page.locator("#token-dialog").isVisible(), false, "the kept token is used after a reload");

    // The first /api/status without a token, then with the wrong one; every later request carried the right one.
    assert.deepEqual(server.authorizations.slice(0, 3), [undefined, "Bearer wrong-token", "Bearer n3w-token-not-yet"]);
    assert.deepEqual(
      server.authorizations.slice(3).filter((header) => header !== "Bearer s3cret-token"),
      [],
    );
    assert.ok(server.authorizations.length > 6);
    await page.screenshot({ path: join(ARTIFACTS, "token-and-setup-banner.png") });
  });
});

// Issue 9 through the page: a session file the gateway cannot read is named (with the fix) once, not
// left out in silence (GET /api/sessions answered an empty list before).
describe("web chat page when a session file cannot be read", () => {
  const problem = 'cannot read session "broken" from /state/sessions/broken.jsonl: it is a named pipe (FIFO), not a regular file; move /state/sessions/broken.jsonl aside';
  let server: WebChatTestServer;
  let browser: LaunchedBrowser;

  before(async () => {
    server = await startWebChatTestServer({ sessionProblems: [problem] });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-browser-" });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the banner names it with the fix, once, and still once after a turn refreshes the list", async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator("#setup-problems li", { hasText: "named pipe (FIFO)" }).waitFor();
    assert.equal(await page.locator("#setup-banner").isVisible(), true);
    await sendMessage(page, "hello there");
    await page.locator('.message.assistant[data-state="done"]').last().waitFor();
    assert.deepEqual(await page.locator("#setup-problems li").allInnerTexts(), [problem]);
  });
});


// The web chat page in chromium against the REAL `bin/hearth gateway`: what the page showed live is what a
// reload shows — the notes beside an answer (a failed attempt, a tool that ran, the reply limit, the
// fallback) and beside a turn that got none, in the same words; and the status panel, where a provider
// that cooled down and came back, in no chain and with no answer, leaves live and stays gone after a reload.
// Screenshots: test-artifacts/webchat/reload-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { refusedUrl, startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { lastTurn, lastUser, scriptedModel } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
/** Every browser wait is bounded by this (playwright's default is 30 s). */
const WAIT_MS = 20_000;

const usage = { input: 100, output: 30 };

/** The spare: asked the time, it calls the `time` tool, then answers until the reply limit cuts it off; "[fail]" it refuses (400). */
const spareModel: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  return scriptedModel("openai-completions", (turns) => {
    if (lastUser(turns).startsWith("[fail]")) return { reply: { kind: "json", status: 400, body: { error: { message: "this request is not for me", type: "invalid_request_error" } } } };
    if (lastUser(turns).startsWith("what time") && lastTurn(turns)?.role === "user") return { tool: "time", arguments: {} };
    const cut = lastTurn(turns)?.role === "tool";
    return { reply: { kind: "sse", frames: completionsStream({ model: "m", text: cut ? "It is about noon, and the rest of this answer" : `Spare heard: ${lastUser(turns)}`, usage, ...(cut ? { finishReason: "length" as const } : {}) }) } };
  })(request);
};

/** A server that answers the health monitor's probe: the provider it serves is back. */
const listingOnly: Handler = (request) =>
  request.method === "GET" && request.path === "/v1/models" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "json", status: 503, body: { error: "not answering chats" } };

function config(urls: { home: string; spare: string; other: string }): string {
  return `{
    agents: { defaults: {
      model: { primary: "home/m", fallbacks: ["spare/m"] },
      models: { "home/m": { alias: "Home" }, "spare/m": { alias: "Spare" }, "other/m": { alias: "Other" } },
    } },
    models: { mode: "replace", providers: {
      home: { baseUrl: "${urls.home}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      spare: { baseUrl: "${urls.spare}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
      other: { baseUrl: "${urls.other}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
    } },
  }`;
}

/** Each note of an element, as "kind: text", in the order shown. */
async function notesOf(scope: Locator): Promise<string[]> {
  const notes = scope.locator("[data-note]");
  return await notes.evaluateAll((nodes) => nodes.map((node) => `${node.getAttribute("data-note") ?? ""}: ${(node as unknown as { innerText: string }).innerText}`));
}

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await page.locator('#connection-state[data-live="true"]').waitFor();
}

describe("web chat after a reload, against the real `hearth gateway`", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-reload-");
  const servers: FakeServer[] = [];
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let otherUrl = "";
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const spare = await startFakeServer(spareModel);
    servers.push(spare);
    otherUrl = await refusedUrl();
    const file = temp.write("hearth.json5", config({ home: await refusedUrl(), spare: spare.baseUrl, other: otherUrl }));
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-reload-browser-", waitMs: WAIT_MS });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  test("the notes an answer showed live come back after a reload in the same words and order; so do those of a turn that got no answer", async () => {
    await sendMessage(page, "what time is it?");
    const answer = page.locator('.message.assistant[data-state="done"]', { hasText: "It is about noon" });
    await answer.waitFor();
    const live = await notesOf(answer);
    // What the turn was: the primary unreachable, the spare ran a tool, the reply limit cut its answer, the fallback answered.
    assert.deepEqual(
      live.map((note) => note.slice(0, note.indexOf(":"))),
      ["attempt", "tool", "truncated", "fallback"],
      live.join("\n"),
    );
    assert.match(live[0] ?? "", /^attempt: Home: cannot reach 127\.0\.0\.1:\d+: connection refused.* — trying Spare$/);
    assert.match(live[1] ?? "", /^tool: time — done: /);
    assert.equal(live[2], "truncated: the answer was cut off at the reply limit (1,024 tokens: spare/m's maxTokens in the config); ask to continue, or raise maxTokens there");
    assert.equal(live[3], "fallback: answered by Spare — Home (local server) unreachable");
    assert.equal(await answer.locator(".note-tool", { hasText: "running time…" }).count(), 0, "the progress line gave way to the tool's outcome");

    await sendMessage(page, "[fail] this one");
    const failed = page.locator('.message.assistant[data-state="failed"]');
    await failed.waitFor();
    const failedLive = await notesOf(failed);
    assert.match(failedLive[0] ?? "", /^attempt: Spare: .*this request is not for me/, failedLive.join("\n"));
    assert.match(failedLive.at(-1) ?? "", /^error: /);
    await page.screenshot({ path: join(ARTIFACTS, "reload-notes-live.png") });

    await reload(page);
    const reloaded = page.locator(".message.assistant", { hasText: "It is about noon" });
    await reloaded.waitFor();
    assert.deepEqual(await notesOf(reloaded), live, "the answer's notes, as the live turn showed them");
    // The turn that got no answer: its failed attempt, then the notice saying so (the live turn's error note, as the history words it).
    const notices = await notesOf(page.locator("#transcript"));
    const failedNotes = failedLive.slice(0, -1);
    const at = notices.indexOf(failedNotes[0] ?? "");
    assert.ok(at >= 0, notices.join("\n"));
    assert.deepEqual(notices.slice(at, at + failedNotes.length), failedNotes);
    assert.match(notices[at + failedNotes.length] ?? "", /^notice: no answer: .*this request is not for me/);
    await page.screenshot({ path: join(ARTIFACTS, "reload-notes-after-reload.png") });
    assert.deepEqual(pageErrors, []);
  });

  test("a provider in no chain that cooled down and came back leaves the status panel, live and after a reload", async () => {
    // A proxied request names the other provider: its server is down, so it cools down and the panel shows it.
    const proxied = await fetch(`${gateway?.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "other/m", messages: [{ role: "user", content: "hello other" }] }) });
    assert.equal(proxied.status, 200, "the spare answered it");
    const other = page.locator('.provider[data-provider="other"]');
    await page.locator('.provider[data-provider="other"][data-state="cooling"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "reload-provider-cooling.png") });

    // Its server comes back: the health monitor's probe ends the cooldown, and with it the provider's use.
    servers.push(await startFakeServer(listingOnly, { port: Number(new URL(otherUrl).port) }));
    await other.waitFor({ state: "detached" });
    assert.deepEqual(await page.locator(".provider h3").allInnerTexts(), ["home", "spare"], "the chain's providers stay");

    await reload(page);
    await page.locator('.provider[data-provider="spare"]').waitFor();
    assert.equal(await other.count(), 0, "not in /api/status either");
    const status = (await (await fetch(`${gateway?.url}/api/status`)).json()) as { providers: { provider: string }[] };
    assert.deepEqual(status.providers.map((health) => health.provider), ["home", "spare"]);
    await page.screenshot({ path: join(ARTIFACTS, "reload-provider-gone.png") });
  });

  test("a turn that starts and ends while a tab opens (after it read the conversation, before its live events connect) is on screen", async () => {
    assert.ok(gateway && browser);
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    assert.notEqual(session, "");
    const text = "sent while the other tab opened";
    const tab = await browser.context.newPage();
    tab.on("pageerror", (error) => pageErrors.push(error.message));
    // The tab's live events wait until the turn has ended: what it read before cannot have it, only what it reads once live can.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    await tab.route("**/api/events", async (route) => {
      await released;
      await route.continue();
    });
    try {
      await tab.goto(`${gateway.url}/#session=${encodeURIComponent(session)}`);
      await tab.locator(".message.assistant", { hasText: "It is about noon" }).waitFor();
      const sessionUrl = `${gateway.url}/api/sessions/${encodeURIComponent(session)}`;
      const posted = await fetch(`${sessionUrl}/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
      assert.equal(posted.status, 202);
      const answered = async (): Promise<boolean> => ((await (await fetch(sessionUrl)).json()) as { items: { role: string; text: string }[] }).items.some((item) => item.role === "assistant" && item.text === `Spare heard: ${text}`);
      while (!(await answered())) await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await tab.locator('#connection-state[data-live="true"]').waitFor();
      await tab.locator(".message.assistant", { hasText: `Spare heard: ${text}` }).waitFor();
      assert.equal(await tab.locator(".message.user", { hasText: text }).count(), 1);
      assert.deepEqual(pageErrors, []);
    } finally {
      release();
      await tab.close();
    }
  });
});

// The web chat page in chromium while the REAL `bin/hearth gateway` is stopped with SIGSTOP (a laptop
// asleep, Ctrl+Z): its connections stay open and it sends nothing, not even its keep-alive. The page
// said `live` and every provider `up` for 40 s of it (t5 #7); it now counts the link lost after two
// missed keep-alives (gateway.limits.keepAliveSeconds: 2 here), shows the banner, keeps a message typed
// meanwhile, and once the gateway is resumed (SIGCONT) is live again and sends it, once: nothing lost.
// Screenshots: test-artifacts/webchat/stopped-*.png.
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
/** The page asks /health at most every 10 s (±20 %) and gives it 5 s: a resumed gateway is seen within this. */
const BACK_WITHIN_MS = 40_000;
const WHILE_STOPPED = "typed while hearth was stopped";

const modelServer: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
  const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
  return { kind: "sse", frames: completionsStream({ model: "m", text: `Heard: ${message}`, chunkSize: 64, usage: { input: 50, output: 20 } }) };
};

const modelCallsSaying = (model: FakeServer, text: string): number =>
  model.requests.filter((request) => request.path === "/v1/chat/completions" && lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)) === text).length;

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

describe("web chat page while the real gateway is stopped (SIGSTOP) and resumed", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-stopped-");
  let model: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startFakeServer(modelServer);
    const configFile = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "home/m" } } },
        models: { mode: "replace", providers: { home: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
        gateway: { limits: { keepAliveSeconds: 2 } },
      }`,
    );
    gateway = await startGateway(["--config", configFile], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-stopped-browser-", waitMs: WAIT_MS });
    page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    if (gateway?.child.pid) {
      try {
        process.kill(gateway.child.pid, "SIGCONT");
      } catch {
        // Gone already.
      }
    }
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await model?.close();
    temp.cleanup();
  });

  test("no keep-alive for two intervals: the link is lost (banner, panel stale); resumed, the page is live again and the message kept meanwhile is answered once", async () => {
    assert.ok(gateway && model && browser);
    const pid = gateway.child.pid ?? 0;
    await sendMessage(page, "hello");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Heard: hello" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    // Keep-alives arrive (one every 2 s): the page stays live past two intervals while the gateway runs.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    assert.equal(await page.locator("#connection-state").getAttribute("data-live"), "true");
    assert.equal(await page.locator("#link-banner").isHidden(), true);

    process.kill(pid, "SIGSTOP");
    await page.locator('#connection-state[data-live="false"]').waitFor();
    assert.match(await page.locator("#connection-state").innerText(), /^reconnecting — no keep-alive from the gateway for 4 s \(stopped, asleep or cut off\?\)$/);
    await page.locator("#link-banner:not([hidden])", { hasText: /hearth is not reachable — retrying/ }).waitFor();
    await page.locator('.provider-list[data-stale="true"] .stale-note', { hasText: /hearth is not reachable, this may be out of date/ }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "stopped-link-lost.png") });

    // A message typed now is kept, not sent into a gateway that cannot answer.
    await sendMessage(page, WHILE_STOPPED);
    await page.locator("#outbox .held", { hasText: WHILE_STOPPED }).waitFor();
    assert.equal(modelCallsSaying(model, WHILE_STOPPED), 0);

    process.kill(pid, "SIGCONT");
    await page.locator("#link-banner").waitFor({ state: "hidden", timeout: BACK_WITHIN_MS });
    await page.locator('#connection-state[data-live="true"]').waitFor({ timeout: BACK_WITHIN_MS });
    await page.locator(".message.assistant:not(.streaming)", { hasText: `Heard: ${WHILE_STOPPED}` }).waitFor({ timeout: BACK_WITHIN_MS });
    await page.locator("#outbox").waitFor({ state: "hidden" });
    await page.screenshot({ path: join(ARTIFACTS, "stopped-resumed.png") });
    assert.equal(await page.locator(".message.user", { hasText: WHILE_STOPPED }).count(), 1);
    assert.equal(await page.locator(".message.assistant", { hasText: `Heard: ${WHILE_STOPPED}` }).count(), 1);
    assert.equal(await page.locator('.provider-list[data-stale="true"]').count(), 0);
    assert.equal(modelCallsSaying(model, WHILE_STOPPED), 1);
    const saved = (await (await fetch(`${gateway.url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { items: { role: string; text: string }[] };
    assert.equal(saved.items.filter((item) => item.role === "user" && item.text === "hello").length, 1, "nothing before the stop lost");
    assert.equal(saved.items.filter((item) => item.role === "user" && item.text === WHILE_STOPPED).length, 1);
    assert.deepEqual(pageErrors, []);
  });
});

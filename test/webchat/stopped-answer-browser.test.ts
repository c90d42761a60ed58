// The web chat page in chromium with the REAL `bin/hearth gateway`: Stop while an answer streams keeps
// the words on screen as the answer, marked stopped by the user, and a reload shows the same answer and
// the same note. Screenshots: test-artifacts/webchat/stopped-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
/** Every browser wait is bounded by this (playwright's default is 30 s). */
const WAIT_MS = 15_000;

const chunk = (delta: Record<string, unknown>) => ({ data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, finish_reason: null }] }) });

/** "…story": eleven words, then the answer is held open until the turn is stopped. */
const modelServer: Handler = (request) => {
  if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
  if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
  const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
  if (message.endsWith("story")) return { kind: "sse", frames: [chunk({ role: "assistant", content: "" }), ...Array.from({ length: 11 }, (_, index) => chunk({ content: `word${index} ` }))], after: "hang" };
  return { kind: "sse", frames: [chunk({ role: "assistant", content: `Heard: ${message}` }), { data: JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) }, { data: "[DONE]" }] };
};

function config(modelUrl: string): string {
  return `{
    agents: { defaults: { model: { primary: "home/m" }, models: { "home/m": { alias: "Slow" } } } },
    models: { mode: "replace", providers: { home: { baseUrl: "${modelUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

describe("web chat: Stop keeps the answer shown, and a reload shows the same (chromium, the real gateway)", { timeout: 120_000 }, () => {
  const temp = tempDir();
  let server: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startFakeServer(modelServer);
    const file = temp.write("hearth.json5", config(server.baseUrl));
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-stopped-", waitMs: WAIT_MS });
  });
  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await server?.close();
    temp.cleanup();
  });

  test("the words on screen at Stop stay, marked stopped by the user, with no Retry; after a reload the same answer and note", async () => {
    const page = browser?.page;
    assert.ok(page && gateway);
    await page.goto(`${gateway.url}/#session=web-stop1`);
    await page.getByLabel("Message").fill("tell me a long story");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="streaming"]', { hasText: "word10" }).waitFor();
    await page.getByRole("button", { name: "Stop" }).click();
    const stopped = page.locator('.message.assistant[data-state="done"]', { hasText: "word10" });
    await stopped.waitFor();
    await stopped.getByText(/stopped by the user/).waitFor();
    const before = await stopped.innerText();
    assert.match(before, /word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10/);
    assert.equal(await stopped.getByRole("button", { name: "Retry" }).count(), 0, "an answer, not a failure");
    assert.doesNotMatch(before, /no answer|cancelled/, before);
    await page.screenshot({ path: join(ARTIFACTS, "stopped-live.png") });

    await page.reload();
    const reloaded = page.locator(".message.assistant", { hasText: "word10" });
    await reloaded.getByText(/stopped by the user/).waitFor();
    const after = await reloaded.innerText();
    assert.match(after, /word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10/);
    assert.equal(await page.locator(".note-unanswered").count(), 0, "the message was answered");
    assert.doesNotMatch(after, /no answer|cancelled/, after);
    assert.equal(after, before, "what the page showed is what it shows after a reload");
    await page.screenshot({ path: join(ARTIFACTS, "stopped-reloaded.png") });
  });
});

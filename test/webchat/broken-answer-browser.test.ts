// t15 finding 8, on the real page: the local server dies in the middle of an answer the page is showing,
// the answer is restarted on the fallback, and the fallback refuses (401). The words the user was reading
// stay: the same answer, cut off, with its notes — live and after a reload — and no "no answer" line. The
// real `bin/hearth gateway`, chromium, and two real HTTP model servers on 127.0.0.1. Screenshots: broken-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 15_000;
const SHOWN = "Once upon a time there was a big tree. It stood in the park for a hundred years.";

/** A chat-completions server that streams SHOWN, waits for `release()`, then drops the connection (as a killed llama-server does). */
function dyingModelServer(): { start(): Promise<string>; release(): void; close(): Promise<void> } {
  let open: (() => void) | undefined;
  let released = false;
  let server: Server | undefined;
  const chunk = (delta: Record<string, unknown>): string => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
  return {
    async start() {
      server = createServer((request, response) => {
        request.resume();
        request.on("end", () => {
          if (request.method === "GET") {
            response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
            return;
          }
          response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          response.write(chunk({ role: "assistant", content: "" }));
          for (const piece of SHOWN.match(/.{1,9}/gs) ?? []) response.write(chunk({ content: piece }));
          void (released ? Promise.resolve() : new Promise<void>((resolve) => (open = resolve))).then(() => response.socket?.destroy());
        });
      });
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server?.address() as AddressInfo).port}/v1`;
    },
    release() {
      released = true;
      open?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        open?.();
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
  };
}

/** A Messages-API server that refuses every key (401), as Anthropic does a wrong one. */
async function refusingServer(): Promise<{ url: string; posts: () => number; close(): Promise<void> }> {
  let posts = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (request.method === "POST") posts += 1;
      response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: () => posts,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("an answer whose server dies mid-way, and whose fallback refuses, on the real page", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-broken-");
  const model = dyingModelServer();
  let spare: Awaited<ReturnType<typeof refusingServer>> | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const baseUrl = await model.start();
    spare = await refusingServer();
    const file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "home/m", fallbacks: ["spare/s"] }, models: { "home/m": { alias: "Story" }, "spare/s": { alias: "Sonnet" } } } },
        models: { mode: "replace", providers: {
          home: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
          spare: { baseUrl: "${spare.url}", api: "anthropic-messages", apiKey: "sk-ant-test-not-a-real-key", models: [{ id: "s", contextWindow: 200000, maxTokens: 1024 }] } } } }`,
    );
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-broken-", waitMs: WAIT_MS });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await model.close();
    await spare?.close();
    temp.cleanup();
  });

  test("the words shown stay as the turn's cut-off answer, live and after a reload; the session keeps them", async () => {
    assert.ok(gateway && browser && spare);
    const page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.getByLabel("Message").fill("Tell me a story about a big tree");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="streaming"]', { hasText: "hundred years" }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "broken-1-shown.png") });
    model.release();

    // The server died; the fallback was asked and refused: the answer is the words shown, cut off.
    const answer = page.locator('.message.assistant[data-state="done"]', { hasText: "hundred years" });
    await answer.waitFor();
    await answer.getByText("the answer was cut off: no model could answer").waitFor();
    assert.equal(spare.posts(), 1, "the fallback was asked");
    assert.equal((await answer.locator(".message-text").innerText()).trim(), SHOWN);
    assert.equal(await page.getByText("no answer to this message").count(), 0);
    assert.equal(await page.getByRole("button", { name: "Retry" }).count(), 0, "answered (cut off): no Retry, as after a reload");
    await page.screenshot({ path: join(ARTIFACTS, "broken-2-kept.png") });

    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    const read = (await (await fetch(`${gateway.url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { items: { role: string; text: string; unanswered?: boolean; notes?: { kind: string; text: string }[] }[] };
    assert.deepEqual(read.items.map((item) => [item.role, item.text, item.unanswered ?? false]), [["user", "Tell me a story about a big tree", false], ["assistant", SHOWN, false]]);

    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const reloaded = page.locator(".message.assistant", { hasText: "hundred years" });
    await reloaded.getByText("the answer was cut off: no model could answer").waitFor();
    assert.equal((await reloaded.locator(".message-text").innerText()).trim(), SHOWN);
    assert.equal(await page.getByText("no answer to this message").count(), 0);
    await page.screenshot({ path: join(ARTIFACTS, "broken-3-reloaded.png") });
    assert.deepEqual(pageErrors, []);
  });
});

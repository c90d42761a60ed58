// A page opened on a conversation while its answer streams — reloaded, or a second tab — shows the whole
// answer so far and goes on streaming from there, every word once: the real `bin/hearth gateway`, chromium,
// and a model server that streams an answer in three parts, each part held until the test lets it go
// (so each look at the page happens at a known point of the answer, every time). Screenshots: midturn-*.png.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { openSse } from "../helpers/sse-client.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 15_000;

const HEAD = "The beginning of this answer came before the reload.";
const MIDDLE = " The middle came while the reloaded page watched.";
const TAIL = " The end closes it.";

const BEFORE_TOOL = "Words said before the tool ran.";
const AFTER_TOOL = "Words after it, held here.";
const AFTER_HOLD = " And the last ones.";

/**
 * A chat-completions server whose "hold" answers stream HEAD, wait for `release()`, MIDDLE, wait again,
 * TAIL; a "tool" answer says BEFORE_TOOL and calls `time`, then, given its result, says AFTER_TOOL, waits
 * for `release()`, and ends with AFTER_HOLD. Each wait is the next gate; `release()` opens the next one.
 */
function heldModelServer(): { start(): Promise<string>; release(): void; close(): Promise<void> } {
  const gates: (() => void)[] = [];
  let released = 0;
  let waited = 0;
  const nextGate = (): Promise<void> => {
    const index = waited++;
    return released > index ? Promise.resolve() : new Promise((resolve) => (gates[index] = resolve));
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const words = async (response: ServerResponse, text: string): Promise<void> => {
    // A part in several deltas, as a real server sends it.
    for (const piece of text.match(/.{1,9}/gs) ?? []) await new Promise<void>((resolve) => response.write(chunk({ content: piece }), () => resolve()));
  };
  let server: Server | undefined;
  return {
    async start() {
      server = createServer((request, response) => {
        let body = "";
        request.on("data", (data: Buffer) => (body += data.toString()));
        request.on("end", () => {
          if (request.method === "GET") {
            response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
            return;
          }
          const messages = (JSON.parse(body) as { messages: { role: string; content: unknown }[] }).messages;
          const last = String(messages.filter((message) => message.role === "user").at(-1)?.content ?? "");
          response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          void (async () => {
            response.write(chunk({ role: "assistant", content: "" }));
            let finish = "stop";
            if (last.includes("tool") && messages.at(-1)?.role !== "tool") {
              await words(response, BEFORE_TOOL);
              response.write(chunk({ tool_calls: [{ index: 0, id: "call_t", type: "function", function: { name: "time", arguments: "{}" } }] }));
              finish = "tool_calls";
            } else if (last.includes("tool")) {
              await words(response, AFTER_TOOL);
              await nextGate();
              await words(response, AFTER_HOLD);
            } else if (last.includes("hold")) {
              await words(response, HEAD);
              await nextGate();
              await words(response, MIDDLE);
              await nextGate();
              await words(response, TAIL);
            } else await words(response, "Quick answer.");
            response.write(chunk({}, finish));
            response.end("data: [DONE]\n\n");
          })();
        });
      });
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      return `http://127.0.0.1:${(server?.address() as AddressInfo).port}/v1`;
    },
    release() {
      gates[released]?.();
      released += 1;
    },
    close: () =>
      new Promise<void>((resolve) => {
        gates.forEach((open) => open());
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
  };
}

const streaming = (page: Page, text: string) => page.locator('.message.assistant[data-state="streaming"]', { hasText: text });
const answerText = async (page: Page): Promise<string> => (await page.locator(".message.assistant .message-text").last().innerText()).trim();

describe("a page opened mid-answer against the real `hearth gateway`", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-midturn-");
  const model = heldModelServer();
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const baseUrl = await model.start();
    const file = temp.write(
      "hearth.json5",
      `{ agents: { defaults: { model: { primary: "home/m" }, models: { "home/m": { alias: "Home" } } } },
        models: { mode: "replace", providers: { home: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } } }`,
    );
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-midturn-", waitMs: WAIT_MS });
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await model.close();
    temp.cleanup();
  });

  test("a reload and a second tab show the answer from its first word, then stream on with nothing lost or said twice", async () => {
    assert.ok(gateway && browser);
    const page = browser.page;
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.getByLabel("Message").fill("hold this answer for me");
    await page.getByLabel("Message").press("Enter");
    await streaming(page, HEAD).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");

    // What the gateway gives a page that opens the conversation now: the message, and the answer so far with its place in the turn.
    const read = (await (await fetch(`${gateway.url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { items: { role: string; text: string; unanswered?: boolean }[]; live?: { turn: string; seq: number; events: { type: string; delta?: string }[] } };
    assert.deepEqual(read.items.map((item) => [item.role, item.text, item.unanswered ?? false]), [["user", "hold this answer for me", false]]);
    assert.ok(read.live && read.live.seq > 0, JSON.stringify(read));
    assert.equal(read.live.events.filter((event) => event.type === "text-delta").map((event) => event.delta).join(""), HEAD);

    // Reloaded while the answer is held after its first part: the page shows that part, still streaming.
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await streaming(page, HEAD).waitFor();
    assert.equal(await answerText(page), HEAD);
    assert.equal(await page.locator(".message.user", { hasText: "hold this answer for me" }).count(), 1, "the message is shown once");
    assert.equal(await page.locator("#stop-button").isVisible(), true, "the turn is still running: Stop is offered");
    await page.screenshot({ path: join(ARTIFACTS, "midturn-reloaded.png") });

    // A second tab opened on the conversation now shows the same.
    const other = await browser.context.newPage();
    other.on("pageerror", (error) => pageErrors.push(error.message));
    await other.goto(`${gateway.url}/#session=${encodeURIComponent(session)}`);
    await other.locator('#connection-state[data-live="true"]').waitFor();
    await streaming(other, HEAD).waitFor();
    assert.equal(await answerText(other), HEAD);

    // The answer goes on: both show the middle after the beginning, once — nothing lost, nothing twice.
    model.release();
    for (const tab of [page, other]) {
      await streaming(tab, MIDDLE.trim()).waitFor();
      assert.equal(await answerText(tab), `${HEAD}${MIDDLE}`);
    }
    await other.screenshot({ path: join(ARTIFACTS, "midturn-second-tab.png") });

    model.release();
    for (const tab of [page, other]) {
      await tab.locator('.message.assistant[data-state="done"]', { hasText: TAIL.trim() }).waitFor();
      assert.equal(await answerText(tab), `${HEAD}${MIDDLE}${TAIL}`);
      assert.equal(await tab.locator(".message.assistant").count(), 1, "one answer");
      assert.equal(await tab.locator(".message.user").count(), 1, "one message");
    }
    const done = (await (await fetch(`${gateway.url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { items: { role: string; text: string }[]; live?: unknown };
    assert.equal(done.live, undefined, "no turn under way any more");
    assert.deepEqual(done.items.map((item) => [item.role, item.text]), [["user", "hold this answer for me"], ["assistant", `${HEAD}${MIDDLE}${TAIL}`.trim()]]);
    assert.deepEqual(pageErrors, []);
    await other.close();
  });

  test("mid-turn after a tool ran: the words before the tool and after it are one answer, once; the event stream joins on from the snapshot", async () => {
    assert.ok(gateway && browser);
    const page = browser.page;
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.getByLabel("Message").fill("use a tool for me");
    await page.getByLabel("Message").press("Enter");
    await streaming(page, AFTER_TOOL).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");

    // Connected now: the stream starts with the turn so far, and its next event is the one after it.
    const events = await openSse(`${gateway.url}/api/events`);
    const live = JSON.parse((await events.next((message) => message.event === "turn-live" && (JSON.parse(message.data) as { session: string }).session === session)).data) as { turn: string; seq: number; text: string; events: { type: string; delta?: string }[] };
    assert.equal(live.text, "use a tool for me");
    assert.equal(live.events.filter((event) => event.type === "text-delta").map((event) => event.delta).join(""), `${BEFORE_TOOL}${AFTER_TOOL}`);

    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await streaming(page, AFTER_TOOL).waitFor();
    assert.equal(await page.locator(".message.assistant").count(), 1, "one answer, not the words before the tool on their own besides");
    assert.equal(await answerText(page), `${BEFORE_TOOL}\n\n${AFTER_TOOL}`);
    assert.equal(await page.locator(".message.assistant .note-tool").count(), 1, await page.locator("#transcript").innerText());
    await page.screenshot({ path: join(ARTIFACTS, "midturn-after-tool.png") });

    model.release();
    const next = JSON.parse((await events.next((message) => message.event === "turn-event" && (JSON.parse(message.data) as { session: string }).session === session)).data) as { turn: string; seq: number };
    assert.deepEqual([next.turn, next.seq], [live.turn, live.seq + 1], "the first event after the snapshot is numbered right after it");
    const end = JSON.parse((await events.next((message) => message.event === "turn-end" && (JSON.parse(message.data) as { session: string }).session === session)).data) as { turn: string };
    assert.equal(end.turn, live.turn);
    events.close();
    await page.locator('.message.assistant[data-state="done"]', { hasText: AFTER_HOLD.trim() }).waitFor();
    assert.equal(await answerText(page), `${BEFORE_TOOL}\n\n${AFTER_TOOL}${AFTER_HOLD}`);
    assert.equal(await page.locator(".message.assistant").count(), 1);
    assert.deepEqual(pageErrors, []);
  });
});

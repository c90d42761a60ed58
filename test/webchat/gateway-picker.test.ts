// The web chat's model picker and status panel against the REAL `bin/hearth gateway` with the built-in
// catalog merged in (trial 12: the picker listed 359 models, most of them hosted ones without a key that
// can never answer; the status panel left out a provider a session had switched to).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { shellQuote } from "../../src/shared/shell-quote.js";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 15_000;

function modelServer(name: string): Handler {
  return (request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    return { kind: "sse", frames: completionsStream({ model: "m", text: `${name} heard: ${message}`, usage: { input: 50, output: 5 } }) };
  };
}

async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message").fill(text);
  await page.getByLabel("Message").press("Enter");
}

/** The session's model choice as the gateway keeps it ("" : the agent's model). */
async function choiceOf(url: string, session: string): Promise<string> {
  const data = (await (await fetch(`${url}/api/sessions/${encodeURIComponent(session)}`)).json()) as { settings?: { model?: string } };
  return data.settings?.model ?? "";
}

function sessionOf(page: Page): string {
  return decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
}

/**
 * Before the page's scripts: its live event stream (`GET /api/events`, read with fetch) passes through a
 * stream the test can cut, as a dropped connection does; `dropEvents()` cuts it and holds the next
 * connect until `releaseEvents()`.
 */
function cuttableEvents(): void {
  const controls = globalThis as unknown as { fetch: typeof fetch; dropEvents: () => void; releaseEvents: () => void };
  const realFetch = controls.fetch.bind(globalThis);
  let cut: () => void = () => undefined;
  let held: Promise<void> = Promise.resolve();
  controls.releaseEvents = () => undefined;
  controls.dropEvents = () => {
    held = new Promise((resolve) => (controls.releaseEvents = resolve));
    cut();
  };
  controls.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.endsWith("/api/events")) return realFetch(input, init);
    await held;
    const response = await realFetch(input, init);
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        cut = () => {
          controller.error(new TypeError("network error (the test dropped the event stream)"));
          void reader.cancel();
        };
      },
      async pull(controller) {
        const chunk = await reader.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

describe("web chat model picker and status panel against the real gateway with the built-in catalog", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-picker-");
  let home: FakeServer | undefined;
  let extra: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let file = "";

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    home = await startFakeServer(modelServer("Home"));
    extra = await startFakeServer(modelServer("Extra"));
    const closed = await startFakeServer(modelServer("Gone"));
    const gone = closed.baseUrl;
    await closed.close();
    // The built-in catalog is merged (no `mode: "replace"`); only Anthropic's key is set (never used: nothing is sent to it).
    file = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "home/m" }, models: { "home/m": { alias: "Home" }, "extra/m": { alias: "Extra" }, "gone/m": { alias: "Gone" } } } },
        models: { providers: {
          home: { baseUrl: "${home.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
          extra: { baseUrl: "${extra.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
          // In the config, no alias: listed (it can answer) although only aliases can be chosen by /model.
          spare: { baseUrl: "${extra.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
          // Nothing listens there (the port of a server closed at once): a session that switches to it finds it down.
          gone: { baseUrl: "${gone}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] },
        } },
      }`,
    );
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "state"), ANTHROPIC_API_KEY: "sk-ant-test-not-real" });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-picker-", waitMs: WAIT_MS });
    page = browser.page;
    await page.goto(gateway.url);
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await home?.close();
    await extra?.close();
    temp.cleanup();
  });

  test("the picker lists what can answer: the config's models and aliases, hosted models whose key is set; the rest is counted", async () => {
    const status = (await (await page.request.get(new URL("/api/status", gateway?.url).href)).json()) as { command: string; models: { ref: string; missingKey: string | null }[] };
    const keyless = status.models.filter((model) => model.missingKey !== null);
    assert.ok(keyless.some((model) => model.ref.startsWith("openai/")), "the catalog holds hosted models without a key");

    const options = await page.locator("#model-picker option").evaluateAll((nodes) =>
      nodes.map((node) => ({ text: node.textContent ?? "", value: node.getAttribute("value") ?? "", disabled: node.hasAttribute("disabled") })),
    );
    const texts = options.map((option) => option.text);
    assert.ok(texts.includes("Home — home/m (local)"), texts.join(", "));
    assert.ok(texts.includes("Extra — extra/m (local)"), texts.join(", "));
    // Listed, but `/model` chooses only aliases and the agents' own models where there are aliases: so does the picker.
    const spare = options.find((option) => option.text.startsWith("spare/m"));
    assert.deepEqual([spare?.text, spare?.disabled], ["spare/m (local) — needs an alias", true], "a config model without an alias is listed, not choosable");
    assert.match((await page.locator('#model-picker option[data-ref="spare/m"]').getAttribute("title")) ?? "", /^spare\/m cannot be chosen here: .* add "spare\/m": \{ alias: "M" \} to agents\.defaults\.models, then \/model M$/);
    assert.ok(texts.some((text) => text.startsWith("anthropic/")), "hosted models whose key is set are listed");
    assert.equal(texts.filter((text) => text.startsWith("openai/")).length, 0, "no model without its key");
    const note = options.at(-1);
    // Named the way the gateway was run (from the checkout, with its --config), as its setup lines name `init`.
    const typed = `./bin/hearth --config ${shellQuote(file)}`;
    assert.equal(status.command, typed);
    assert.equal(note?.text, `(${keyless.length} more in the built-in catalog need an API key: ${typed} models list --all)`);
    assert.equal(note?.disabled, true);
    assert.equal(options.length, status.models.length - keyless.length + 2, "the agent's model, each model that can answer, the note");
    await page.screenshot({ path: join(ARTIFACTS, "gateway-picker.png") });
  });

  test("a provider a session switched to appears in the status panel once it answers", async () => {
    assert.deepEqual(await page.locator(".provider h3").allInnerTexts(), ["home"]);
    await sendMessage(page, "/model Extra");
    await page.locator(".command-result").first().waitFor();
    await sendMessage(page, "hello extra");
        await page.locator('.message.assistant[data-state="done"]', { hasText: "Extra heard: hello extra" }).waitFor();
    await page.locator('.provider[data-provider="extra"][data-state="up"]').waitFor();
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator('.provider[data-provider="extra"][data-state="up"]').waitFor();
    assert.deepEqual(await page.locator(".provider h3").allInnerTexts(), ["home", "extra"]);
    assert.equal(await page.getByLabel("Model").inputValue(), "Extra");
  });

  test("a provider a session switched to that cannot be reached appears, cooling down, and the chain answers", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    await sendMessage(page, "/model Gone");
    await page.locator(".command-result").first().waitFor();
    await sendMessage(page, "anyone there?");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Home heard: anyone there?" }).waitFor();
    // Told as it happens (a provider-health event), and still there after a reload (GET /api/status).
    await page.locator('.provider[data-provider="gone"][data-state="cooling"]').waitFor();
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    const card = page.locator('.provider[data-provider="gone"]');
    await card.waitFor();
    assert.equal(await card.getAttribute("data-state"), "cooling");
    assert.match(await card.innerText(), /cooling down/);
    assert.deepEqual(await page.locator(".provider h3").allInnerTexts(), ["home", "extra", "gone"]);
    await page.screenshot({ path: join(ARTIFACTS, "gateway-provider-in-use.png") });
  });

  test("a model picked is the conversation's: /status, /model, a reload and a second tab all say it, and it answers (t12-user #3)", async () => {
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    await page.getByLabel("Model").selectOption("Extra");
    await page.locator(".command-result", { hasText: "This session now uses Extra (extra/m)." }).waitFor();
    await sendMessage(page, "hello picked");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Extra heard: hello picked" }).waitFor();
    await sendMessage(page, "/status");
    await page.locator(".command-result", { hasText: /^model: Extra \(extra\/m\)/ }).waitFor();
    await sendMessage(page, "/model");
    await page.locator(".command-result", { hasText: /^Extra \(extra\/m\); then Home/ }).waitFor();
    // After each command the picker reads the session's choice again: still the pick.
    await page.locator('#model-picker option:checked[value="Extra"]').waitFor({ state: "attached" });
    assert.match(await page.locator("#context-text").innerText(), /extra\/m/, "the meter counts for the model that answers");

    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator(".message.assistant", { hasText: "Extra heard: hello picked" }).waitFor();
    assert.equal(await page.getByLabel("Model").inputValue(), "Extra", "the pick survives a reload");
    await sendMessage(page, "after the reload");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Extra heard: after the reload" }).waitFor();

    // A second tab on the same conversation shows the pick; a pick there is followed here.
    const second = await browser?.context.newPage();
    assert.ok(second);
    await second.goto(`${gateway?.url}/#session=${encodeURIComponent(session)}`);
    await second.locator('#connection-state[data-live="true"]').waitFor();
    await second.locator('#model-picker option:checked[value="Extra"]').waitFor({ state: "attached" });
    await second.getByLabel("Model").selectOption("");
    await second.locator(".command-result", { hasText: "Back to the agent's model: home/m." }).waitFor();
    await page.locator('#model-picker option:checked[value=""]').waitFor({ state: "attached" });
    await page.screenshot({ path: join(ARTIFACTS, "gateway-picked-model.png") });
    await second.close();
    await sendMessage(page, "and now?");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "Home heard: and now?" }).waitFor();
  });

  test("picks in quick succession (arrow keys on the picker) go one after another: the session and the picker end on the last", async () => {
    assert.ok(gateway);
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.locator(".empty").waitFor();
    const session = sessionOf(page);
    // The first pick's request is held until every pick is made: picks sent side by side would overtake it.
    const arrivals: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const messages = "**/api/sessions/*/messages";
    await page.route(messages, async (route) => {
      const text = (route.request().postDataJSON() as { text: string }).text;
      arrivals.push(`sent ${text}`);
      if (arrivals.length === 1) await firstHeld;
      const response = await route.fetch();
      arrivals.push(`answered ${text}`);
      await route.fulfill({ response });
    });
    try {
      const picks = ["Extra", "Gone", "", "Extra", "Gone"];
      await page.getByLabel("Model").evaluate((select: { value: string; dispatchEvent(event: Event): boolean }, values) => {
        for (const value of values) {
          select.value = value;
          select.dispatchEvent(new Event("change"));
        }
      }, picks);
      releaseFirst();
      await page.locator(".command-result").nth(picks.length - 1).waitFor();
      const commands = picks.map((name) => (name ? `/model ${name}` : "/model reset"));
      assert.deepEqual(arrivals, commands.flatMap((command) => [`sent ${command}`, `answered ${command}`]), "each pick sent once the one before it was answered");
    } finally {
      releaseFirst();
      await page.unroute(messages);
    }
    assert.equal(await choiceOf(gateway.url, session), "gone/m", "the session's choice is the last pick");
    await page.locator('#model-picker option:checked[value="Gone"]').waitFor({ state: "attached" });
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    assert.equal(await page.getByLabel("Model").inputValue(), "Gone");
  });

  test("a pick made while the event stream was dropped does not stop the picker following another tab's picks", async () => {
    assert.ok(gateway && browser);
    const tab = await browser.context.newPage();
    // As source text: tsx's transform names the function's arrows with its `__name` helper, which the page has not.
    await tab.addInitScript({ content: `var __name = (target, value) => Object.defineProperty(target, "name", { value, configurable: true }); (${cuttableEvents.toString()})();` });
    try {
      await tab.goto(gateway.url);
      await tab.locator('#connection-state[data-live="true"]').waitFor();
      await tab.getByRole("button", { name: "New conversation" }).click();
      await tab.locator(".empty").waitFor();
      const session = sessionOf(tab);
      await tab.evaluate(() => (globalThis as unknown as { dropEvents: () => void }).dropEvents());
      await tab.locator('#connection-state[data-live="false"]').waitFor();
      // Its answer (a command-result) is told while this tab hears nothing.
      await tab.getByLabel("Model").selectOption("Extra");
      while ((await choiceOf(gateway.url, session)) !== "extra/m") await new Promise((resolve) => setTimeout(resolve, 50));
      await tab.evaluate(() => (globalThis as unknown as { releaseEvents: () => void }).releaseEvents());
      await tab.locator('#connection-state[data-live="true"]').waitFor();
      await tab.locator('#model-picker option:checked[value="Extra"]').waitFor({ state: "attached" });

      const other = await browser.context.newPage();
      try {
        await other.goto(`${gateway.url}/#session=${encodeURIComponent(session)}`);
        await other.locator('#connection-state[data-live="true"]').waitFor();
        await other.locator('#model-picker option:checked[value="Extra"]').waitFor({ state: "attached" });
        await other.getByLabel("Model").selectOption("");
        await other.locator(".command-result", { hasText: "Back to the agent's model: home/m." }).waitFor();
      } finally {
        await other.close();
      }
      await tab.locator(".command-result", { hasText: "Back to the agent's model: home/m." }).waitFor();
      await tab.locator('#model-picker option:checked[value=""]').waitFor({ state: "attached" });
    } finally {
      await tab.close();
    }
  });
});

// The open page follows what changes under it without a reload, against the real `bin/hearth gateway`
// in chromium: the config file edited while it runs (an alias renamed, a model removed) reaches the model
// picker — the choice follows its model under its new name, or says it is gone; and a conversation reset
// from the terminal (`hearth sessions reset`) or with `/new` is listed as the new conversation it is.
// Screenshots: config-*.png.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { repoRoot, runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { conversationOf, lastUser } from "../helpers/scripted-model.js";

const ARTIFACTS = join(repoRoot, "test-artifacts/webchat");
const WAIT_MS = 15_000;

function modelServer(name: string): Handler {
  return (request) => {
    if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    const message = lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>));
    return { kind: "sse", frames: completionsStream({ model: "m", text: `${name} heard: ${message}`, chunkSize: 16, usage: { input: 20, output: 5 } }) };
  };
}

/** The config with `aliases` (ref → alias) over the providers given (name → base URL), and `agents` beside main (JSON5). */
function config(providers: Record<string, string>, aliases: Record<string, string>, agents = "[]"): string {
  const refs = Object.keys(providers).map((name) => `${name}/m`);
  return `{
    agents: { defaults: {
      model: { primary: "${refs[0]}", fallbacks: ${JSON.stringify(refs.slice(1))} },
      models: { ${Object.entries(aliases).map(([ref, alias]) => `"${ref}": { alias: "${alias}" }`).join(", ")} },
    }, list: ${agents} },
    models: { mode: "replace", providers: { ${Object.entries(providers)
      .map(([name, url]) => `${name}: { baseUrl: "${url}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] }`)
      .join(", ")} } },
  }`;
}

/** A select element as the page holds it (the tests have no DOM types). */
type Select = { selectedOptions: ArrayLike<{ textContent: string | null }> };
const chosenText = (page: Page, picker = "#model-picker"): Promise<string> => page.locator(picker).evaluate((select) => (select as unknown as Select).selectedOptions[0]?.textContent ?? "");
const optionTexts = (page: Page): Promise<string[]> => page.locator("#model-picker option").allInnerTexts();

describe("the open page follows config edits and resets against the real `hearth gateway`", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-config-");
  const servers: FakeServer[] = [];
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let file = "";
  let urls: Record<string, string> = {};
  const stateDir = join(temp.dir, "state");
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const name of ["home", "spare"]) servers.push(await startFakeServer(modelServer(name)));
    urls = { home: servers[0]?.baseUrl ?? "", spare: servers[1]?.baseUrl ?? "" };
    file = temp.write("hearth.json5", config(urls, { "home/m": "Home", "spare/m": "Spare" }));
    gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: stateDir });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-config-", waitMs: WAIT_MS });
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

  /** Writes the config and waits for the gateway to say it serves it. */
  const edit = async (text: string): Promise<void> => {
    writeFileSync(file, text);
    await gateway?.waitFor(/config reloaded/);
  };

  test("an alias renamed: the picked model stays picked under its new name; a model removed: the picker says the session's choice is gone", async () => {
    await page.locator("#model-picker option", { hasText: "Spare — spare/m" }).waitFor({ state: "attached" });
    await page.locator("#model-picker").selectOption("Home");
    assert.match(await chosenText(page), /^Home — home\/m/);

    await edit(config(urls, { "home/m": "House", "spare/m": "Spare" }));
    await page.locator("#model-picker option", { hasText: "House — home/m" }).waitFor({ state: "attached" });
    assert.match(await chosenText(page), /^House — home\/m/, "the choice follows its model, not its old name");
    assert.ok(!(await optionTexts(page)).some((text) => text.startsWith("Home")), "the old name is not offered");

    // The session's own choice (`/model`), then its model taken out of the config.
    await page.getByLabel("Message").fill("/model Spare");
    await page.getByLabel("Message").press("Enter");
    await page.locator(".command-result", { hasText: /spare\/m/ }).waitFor();
    await page.waitForFunction((picker) => (picker as unknown as Select).selectedOptions[0]?.textContent?.startsWith("Spare") === true, await page.locator("#model-picker").elementHandle());
    await edit(config({ home: urls.home ?? "" }, { "home/m": "House" }));
    await page.locator("#model-picker option", { hasText: "Spare — no longer in the config" }).waitFor({ state: "attached" });
    assert.equal(await chosenText(page), "Spare — no longer in the config", "the picker says the choice is gone, not another model");
    assert.ok(!(await optionTexts(page)).some((text) => text.includes("spare/m") && !text.includes("no longer")), "the removed model is not offered");
    await page.screenshot({ path: join(ARTIFACTS, "config-model-gone.png") });

    // Read afresh (a reload), the session's choice says the same.
    await page.reload();
    await page.locator('#connection-state[data-live="true"]').waitFor();
    await page.locator("#model-picker option", { hasText: "spare/m — no longer in the config" }).waitFor({ state: "attached" });
    assert.equal(await chosenText(page), "spare/m — no longer in the config");
    // A message now is answered as the gateway answers such a session (the agent's model, saying why), not refused.
    await page.getByLabel("Message").fill("who answers now?");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "home heard: who answers now?" }).waitFor();
    assert.match(await page.locator(".message.assistant").last().innerText(), /no longer in the config/);
    assert.deepEqual(pageErrors, []);
  });

  test("a conversation reset from the terminal, and one reset with /new, are listed as new conversations at once", async () => {
    assert.ok(gateway);
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.getByLabel("Message").fill("remember the blue door");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "heard: remember the blue door" }).waitFor();
    const session = decodeURIComponent(/#session=(.+)$/.exec(page.url())?.[1] ?? "");
    const row = page.locator(`.session-link[data-session="${session}"]`);
    await row.locator(".session-text", { hasText: "remember the blue door" }).waitFor();
    assert.equal(await page.locator("#session-title").innerText(), "remember the blue door");

    const reset = await runCli(["sessions", "reset", session, "--config", file], { env: { HEARTH_STATE_DIR: stateDir } });
    assert.equal(reset.code, 0, reset.stderr);
    await row.locator(".session-meta", { hasText: /^reset · / }).waitFor();
    assert.equal(await row.locator(".session-text").innerText(), "New conversation");
    assert.equal(await page.locator("#session-title").innerText(), "New conversation");
    await page.screenshot({ path: join(ARTIFACTS, "config-reset-listed.png") });

    await page.getByLabel("Message").fill("a new start");
    await page.getByLabel("Message").press("Enter");
    await page.locator('.message.assistant[data-state="done"]', { hasText: "heard: a new start" }).waitFor();
    await row.locator(".session-meta", { hasText: /1 turn since reset/ }).waitFor();
    assert.equal(await row.locator(".session-text").innerText(), "a new start");

    await page.getByLabel("Message").fill("/new");
    await page.getByLabel("Message").press("Enter");
    await page.locator(".command-result", { hasText: "Started a fresh conversation." }).waitFor();
    await row.locator(".session-text", { hasText: "New conversation" }).waitFor();
    const listed = (await (await fetch(`${gateway.url}/api/sessions`)).json()) as { sessions: { session: string; turns: number; lastText: string; reset?: { earlierTurns: number } }[] };
    const entry = listed.sessions.find((listing) => listing.session === session);
    assert.deepEqual([entry?.turns, entry?.lastText, entry?.reset?.earlierTurns], [0, "", 2], JSON.stringify(entry));
    assert.deepEqual(pageErrors, []);
  });

  test("an agent picked here and taken out of the config: the agent picker says so, and stays in sight", async () => {
    const home = { home: urls.home ?? "" };
    await edit(config(home, { "home/m": "House" }, '[{ id: "helper", name: "Helper" }]'));
    await page.locator("#agent-picker option", { hasText: "Helper" }).waitFor({ state: "attached" });
    await page.locator("#agent-label").waitFor();
    await page.locator("#agent-picker").selectOption("helper");
    await edit(config(home, { "home/m": "House" }));
    await page.locator("#agent-picker option", { hasText: "helper — no longer in the config" }).waitFor({ state: "attached" });
    assert.equal(await chosenText(page, "#agent-picker"), "helper — no longer in the config");
    assert.equal(await page.locator("#agent-label").isVisible(), true, "shown, though one agent is left");
    assert.deepEqual(pageErrors, []);
  });
});

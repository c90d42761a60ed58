// The web chat page in chromium beside the REAL `bin/hearth gateway` whose live event streams are all
// taken (gateway.limits.maxEventSubscribers: 2, both held by other clients): the page's stream is
// refused with a 503, and its connection line says so in the gateway's words — not a stall, not a lost
// link; once a stream is let go the page connects and is live.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { launchChromium, type LaunchedBrowser } from "../helpers/chromium.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { openSse, type SseConnection } from "../helpers/sse-client.js";

/** Every browser wait is bounded by this; the page tries its stream again after at most 10 s (±20 %). */
const WAIT_MS = 30_000;

describe("web chat page when the gateway's event streams are all taken", { timeout: 120_000 }, () => {
  const temp = tempDir("hearth-webchat-event-cap-");
  let model: FakeServer | undefined;
  let gateway: RunningGateway | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  const others: SseConnection[] = [];

  before(async () => {
    model = await startFakeServer((request) => (request.method === "GET" && request.path === "/v1/models" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "json", status: 404, body: { error: "no" } }));
    const configFile = temp.write(
      "hearth.json5",
      `{
        agents: { defaults: { model: { primary: "home/m" } } },
        models: { mode: "replace", providers: { home: { baseUrl: "${model.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
        gateway: { limits: { maxEventSubscribers: 2 } },
      }`,
    );
    gateway = await startGateway(["--config", configFile], { HEARTH_STATE_DIR: join(temp.dir, "state") });
    browser = await launchChromium({ profilePrefix: "hearth-webchat-event-cap-browser-", waitMs: WAIT_MS });
    page = browser.page;
  });
  after(async () => {
    for (const stream of others) stream.close();
    await browser?.close().catch(() => undefined);
    await gateway?.stop();
    await model?.close();
    temp.cleanup();
  });

  test("the refused stream is named on the connection line with the gateway's message; a freed one lets the page in", async () => {
    assert.ok(gateway);
    for (let count = 0; count < 2; count++) {
      const stream = await openSse(`${gateway.url}/api/events`);
      assert.equal(stream.status, 200);
      others.push(stream);
    }
    await page.goto(gateway.url);
    const line = page.locator("#connection-state", { hasText: /^reconnecting — the event stream answered 503: too many live event streams/ });
    await line.waitFor();
    assert.match(await line.innerText(), /at most 2 \/api\/events connections at once \(gateway\.limits\.maxEventSubscribers\)/);
    assert.equal(await page.locator("#link-banner").isHidden(), true, "the gateway answers: no banner of a lost link");

    others.shift()?.close();
    await page.locator('#connection-state[data-live="true"]').waitFor();
  });
});

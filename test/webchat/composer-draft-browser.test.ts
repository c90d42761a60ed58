// What is typed in the web chat's input box is kept for its conversation in the browser (hearth.draft:<conversation>):
// a reload, another tab's send or a switch to another conversation loses no words not yet sent (review s26-2 #6, #7).
// The real `bin/hearth gateway`, chromium.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { LaunchedBrowser } from "../helpers/chromium.js";
import type { FakeServer } from "../fakes/fake-server.js";
import { sendMessage, startHeardGateway, stopHeardGateway } from "../helpers/heard-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import type { RunningGateway } from "../helpers/run-gateway.js";

const temp = tempDir("hearth-webchat-draft-");
const stateDir = join(temp.dir, "state");
let model: FakeServer | undefined;
let gateway: RunningGateway | undefined;
let browser: LaunchedBrowser | undefined;
const pageErrors: string[] = [];
before(async () => {
  ({ model, gateway, browser } = await startHeardGateway({ temp, stateDir, profilePrefix: "hearth-webchat-draft-", waitMs: 30_000, pageErrors }));
});
after(async () => {
  await stopHeardGateway({ browser, gateway, model });
  temp.cleanup();
});

test("words typed in one tab survive another tab's send and a reload; another conversation opens with its own box", async () => {
  assert.ok(gateway && browser);
  const a = browser.page;
  await a.goto(gateway.url);
  await a.locator('#connection-state[data-live="true"]').waitFor();
  await a.getByLabel("Message").fill("words typed in tab A, not sent yet");
  const b = await browser.context.newPage();
  try {
    await b.goto(gateway.url);
    await b.locator('#connection-state[data-live="true"]').waitFor();
    assert.equal(await b.getByLabel("Message").inputValue(), "", "another conversation's box holds none of A's words");
    await sendMessage(b, "hello from B");
    await b.locator('.message.assistant[data-state="done"]', { hasText: "Heard: hello from B" }).waitFor();
  } finally {
    await b.close();
  }
  await a.reload();
  await a.locator('#connection-state[data-live="true"]').waitFor();
  assert.equal(await a.getByLabel("Message").inputValue(), "words typed in tab A, not sent yet", "A's words after B's send and a reload");
  // A switch to a new conversation and back: each keeps its own words.
  const first = a.url();
  await a.getByRole("button", { name: "New conversation" }).click();
  assert.equal(await a.getByLabel("Message").inputValue(), "", "a new conversation opens with an empty box");
  await a.goto(first);
  await a.locator('#connection-state[data-live="true"]').waitFor();
  assert.equal(await a.getByLabel("Message").inputValue(), "words typed in tab A, not sent yet");
  // Sent, nothing is kept for it.
  await a.getByLabel("Message").press("Enter");
  await a.locator('.message.assistant[data-state="done"]', { hasText: "Heard: words typed in tab A, not sent yet" }).waitFor();
  assert.deepEqual(await a.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('hearth.draft'))"), []);
  assert.deepEqual(pageErrors, []);
});

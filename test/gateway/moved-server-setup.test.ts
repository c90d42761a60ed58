import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRuntime } from "../../src/cli/runtime.js";
import { collect } from "../../src/shared/event-stream.js";
import { refusedUrl, startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers) await close();
  temp.cleanup();
});

/** An OpenAI-compatible server (llama-server-like) listing "m" and answering "ok"; `port`: where it listens. */
async function serve(port?: number): Promise<FakeServer> {
  const server = await startFakeServer(
    (request) => (request.method === "GET" ? { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } : { kind: "sse", frames: completionsStream({ text: "ok", usage: { input: 1, output: 1 } }) }),
    port === undefined ? {} : { port },
  );
  closers.push(() => server.close());
  return server;
}

const config = (file: string, baseUrl: string): void =>
  writeFileSync(file, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`);

// t19 #2: the model server moved to another port and the config followed it; then the server went away and came back.
test("a look belongs to the address it was taken at, and a model that just answered is not said absent", async () => {
  const dir = join(temp.dir, "moved");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  const old = await refusedUrl();
  config(file, old);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
  closers.push(() => runtime.close());
  const { gateway } = runtime;
  const oldHost = new URL(old).host;
  assert.match((await gateway.checkSetup()).join("\n"), new RegExp(`no model server at ${oldHost.replace(/\./g, "\\.")}`), "nothing at the old port");

  // The server now runs on another port, and the config names it: the look at the old port says nothing of it.
  const moved = await serve();
  config(file, moved.baseUrl);
  await runtime.reload();
  const newHost = new URL(moved.baseUrl).host;
  assert.deepEqual(gateway.setupProblems(), [], "not asked at the new address yet: nothing said of it (not the old look, under the new port's name)");
  assert.deepEqual(await gateway.checkSetup(), [], "asked there: it answers");

  // It goes away (the look says so), then comes back on the same port and answers a turn before the next look.
  const port = Number(new URL(moved.baseUrl).port);
  await moved.close();
  assert.match((await gateway.checkSetup()).join("\n"), new RegExp(newHost.replace(/\./g, "\\.")), "the look says the server there does not answer");
  const back = await serve(port);
  const handled = await gateway.handle({ channel: "webchat", session: "s", text: "hi" });
  assert.equal(handled.kind === "turn" && handled.result.ok, true, JSON.stringify(handled));
  assert.deepEqual(gateway.setupProblems(), [], "a model that just answered is not reported absent");

  // The same for a proxied call (the OpenAI API without a session).
  await back.close();
  assert.notDeepEqual(await gateway.checkSetup(), []);
  await serve(port);
  const events = await collect(gateway.proxy({ model: "local/m", context: { messages: [{ role: "user", content: "hi" }] } }));
  assert.equal(events.at(-1)?.type, "route-end");
  assert.deepEqual(gateway.setupProblems(), [], "a proxied answer counts too");
});

// s24 review #8: setup checks overlap (the start's, the 10 s timer's, a reload's) and a stuck server holds a look for
// seconds. An older check that ends after a newer one must not undo it, nor undo a turn answered since it began.
test("an older setup check that ends late changes nothing a newer check or a turn since found", async () => {
  const dir = join(temp.dir, "overlap");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "hearth.json5");
  // The first listing is held (a server busy, then gone for it): its look fails once it is let go, after the others.
  let releaseFirst: () => void = () => undefined;
  let firstAsked: () => void = () => undefined;
  const asked = new Promise<void>((resolve) => (firstAsked = resolve));
  let listings = 0;
  const server = await startFakeServer(async (request) => {
    if (request.method !== "GET") return { kind: "sse", frames: completionsStream({ text: "ok", usage: { input: 1, output: 1 } }) };
    if (++listings > 1) return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
    firstAsked();
    await new Promise<void>((resolve) => (releaseFirst = resolve));
    return { kind: "reset-before-headers" };
  });
  closers.push(() => server.close());
  config(file, server.baseUrl);
  const runtime = await createRuntime({ env: { HEARTH_STATE_DIR: join(dir, "state") }, cwd: dir, config: file });
  closers.push(() => runtime.close());
  const { gateway } = runtime;

  const older = gateway.checkSetup();
  await asked;
  assert.deepEqual(await gateway.checkSetup(), [], "the newer check: the server answers");
  releaseFirst();
  await older;
  assert.deepEqual(gateway.setupProblems(), [], "the older check's failed look, taken before, is not applied over the newer one");

  // A turn answered while a check's look is out: that look, taken before the answer, does not say the server is absent.
  listings = 0;
  const during = gateway.checkSetup();
  await new Promise<void>((resolve) => {
    const wait = (): void => (listings > 0 ? resolve() : void setTimeout(wait, 5));
    wait();
  });
  listings = 1;
  const handled = await gateway.handle({ channel: "webchat", session: "during", text: "hi" });
  assert.equal(handled.kind === "turn" && handled.result.ok, true, JSON.stringify(handled));
  releaseFirst();
  await during;
  assert.deepEqual(gateway.setupProblems(), [], "the model answered after the look began: it answers");
});

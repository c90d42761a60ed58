import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, test } from "node:test";
import { resolveTarget } from "../../src/channels/http/openai/target.js";
import { createGatewayRuntime } from "../../src/cli/gateway-runtime.js";
import { collect } from "../../src/shared/event-stream.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { lmStudioHandler, type LmStudioOptions } from "../fakes/lmstudio-server.js";
import { responsesStream } from "../fakes/openai-responses-stream.js";
import { freePort } from "../helpers/free-port.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const closers: (() => unknown)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
  temp.cleanup();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 400; tries++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`never: ${what}`);
}

test("no config file: LM Studio started after the gateway, serving another model than the default's, is used without a restart", async () => {
  const port = await freePort();
  const home = join(temp.dir, "home");
  const runtime = await createGatewayRuntime({ env: { HOME: home, HEARTH_STATE_DIR: join(home, ".hearth") }, cwd: home, onWarning: () => undefined, setupIntervalMs: 50, defaultLocalBaseUrl: `http://127.0.0.1:${port}/v1` });
  closers.push(() => runtime.close());
  await runtime.firstSetupCheck();
  assert.equal(runtime.port.catalogue().models[0]?.ref, "lmstudio/minimax-m2.1-gs32", "nothing answered at the start: the documented default");
  assert.ok(runtime.port.setupProblems().some((line) => line.includes(`127.0.0.1:${port}`)), runtime.port.setupProblems().join("\n"));

  // LM Studio appears, with only qwen3-8b downloaded: it refuses any other id, as LM Studio does.
  const options: LmStudioOptions = { models: [{ id: "qwen3-8b", loaded: true, maxContextLength: 32768 }], responses: () => ({ kind: "sse", frames: responsesStream({ flavor: "lmstudio", text: "hello from qwen", usage: { input: 3, output: 3 } }) }) };
  const server: FakeServer = await startFakeServer(lmStudioHandler(options), { port });
  closers.push(() => server.close());

  await until(() => runtime.port.catalogue().models[0]?.ref === "lmstudio/qwen3-8b", "the default takes the model LM Studio lists");
  await until(() => runtime.port.setupProblems().length === 0, "a model answers: nothing is needed, config file or not");
  const events = await collect(runtime.port.proxy({ model: "lmstudio/qwen3-8b", context: { messages: [{ role: "user", content: "hi" }] } }));
  const end = events.find((event) => event.type === "route-end");
  assert.ok(end && end.type === "route-end", JSON.stringify(events.at(-1)));
  assert.equal(end.model, "lmstudio/qwen3-8b");

  // A model the server still lists is kept: no re-read while it serves.
  const reads = server.requests.filter((request) => request.path === "/v1/models").length;
  options.models.push({ id: "another-7b", loaded: false, maxContextLength: 8192 });
  options.models.reverse();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(server.requests.filter((request) => request.path === "/v1/models").length > reads, "it kept asking");
  assert.equal(runtime.port.catalogue().models[0]?.ref, "lmstudio/qwen3-8b", "the model in use stays while LM Studio lists it");

  // qwen3-8b deleted in LM Studio: the default moves on, and a client still naming it is told why — not that a config reload did it.
  options.models.splice(options.models.findIndex((model) => model.id === "qwen3-8b"), 1);
  await until(() => runtime.port.catalogue().models[0]?.ref === "lmstudio/another-7b", "the default moves to what LM Studio lists now");
  assert.throws(
    () => resolveTarget("lmstudio/qwen3-8b", runtime.port.catalogue()),
    (error: Error) => {
      assert.match(error.message, /^model "lmstudio\/qwen3-8b" \(lmstudio\/qwen3-8b\) is no longer served: with no config file, hearth runs on its built-in default, which moved to the first model the local server lists now; choose one of "hearth", "lmstudio\/another-7b"/);
      assert.doesNotMatch(error.message, /reload/);
      return true;
    },
  );
});

test("no config file: a server that takes the connection and sends nothing is called stuck, not absent; once it answers, the setup event says nothing is needed", async () => {
  const silent = createServer(() => undefined);
  const sockets = new Set<Socket>();
  silent.on("connection", (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  const closeSilent = (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => silent.close(() => resolve()));
  };
  closers.push(() => (silent.listening ? closeSilent() : undefined));
  const home = join(temp.dir, "home-hung");
  const runtime = await createGatewayRuntime({ env: { HOME: home, HEARTH_STATE_DIR: join(home, ".hearth") }, cwd: home, onWarning: () => undefined, setupIntervalMs: 50, defaultLocalBaseUrl: `http://127.0.0.1:${port}/v1` });
  closers.push(() => runtime.close());
  await runtime.firstSetupCheck();
  const said: (readonly string[])[] = [];
  closers.push(runtime.port.subscribe((event) => (event.type === "setup" ? said.push(event.problems) : undefined)));
  const problems = runtime.port.setupProblems();
  assert.match(problems[0] ?? "", /^no config file at /);
  assert.match(problems[1] ?? "", new RegExp(`^the model server at 127\\.0\\.0\\.1:${port} took the connection but sent no answer: it is running but stuck or busy — look at its log \\(LM Studio: Developer → Logs\\), and restart it if it stays silent, or set ANTHROPIC_API_KEY, or run \`hearth init\`$`), problems.join("\n"));
  assert.doesNotMatch(problems.join("\n"), /no model server/);

  await closeSilent();
  const server = await startFakeServer(lmStudioHandler({ models: [{ id: "qwen3-8b", loaded: true, maxContextLength: 32768 }] }), { port });
  closers.push(() => server.close());
  await until(() => said.some((problems) => problems.length === 0), "the setup event that nothing is needed (the gateway prints `ready: a model answers` on it)");
  assert.deepEqual(runtime.port.setupProblems(), []);
});

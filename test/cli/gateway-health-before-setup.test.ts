// The gateway answers /health while its start's ask of the model servers is still out (a server that holds its
// listing: LM Studio busy loading, a llama-server mid-prompt), and prints its setup lines once the server answers.
// Before, the start waited for that ask (given up after 0.5–1 s for a server that sends nothing) before it listened;
// now the ask begins once the gateway listens, so a held ask means a gateway /health can reach at once.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, get, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../helpers/free-port.js";
import { hearthBin, repoRoot, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
  temp.cleanup();
});

/** GET url's status, or 0 when nothing answers within a second. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.setTimeout(1_000, () => request.destroy());
    request.once("error", () => resolve(0));
  });
}

/** A model server that holds every listing until told to answer; `asked` settles at the first ask. */
async function heldListingServer(): Promise<{ port: number; held: ServerResponse[]; asked: Promise<void>; answerAll(): void }> {
  const held: ServerResponse[] = [];
  let asked: () => void = () => undefined;
  const firstAsk = new Promise<void>((resolve) => (asked = resolve));
  const models = createServer((request, response) => {
    if (request.url?.endsWith("/models")) {
      held.push(response);
      // Its asker gone (the ask gave up, the gateway stopped): no longer held.
      response.once("close", () => {
        if (!response.writableEnded && held.includes(response)) held.splice(held.indexOf(response), 1);
      });
      asked();
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => models.listen(0, "127.0.0.1", resolve));
  after(() => models.close());
  const answer = (response: ServerResponse): void => {
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "m", object: "model" }] }));
  };
  return { port: (models.address() as AddressInfo).port, held, asked: firstAsk, answerAll: () => held.splice(0).forEach(answer) };
}

/** `hearth gateway` on a free port with a config whose one model is served at `modelPort`; its stdout as it comes. */
async function startGateway(name: string, modelPort: number): Promise<{ gateway: ChildProcess; port: number; state: string; stdout: () => string }> {
  const port = await freePort();
  const config = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:${modelPort}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } } }\n`);
  const state = join(temp.dir, `${name}-state`);
  const gateway = spawn(process.execPath, [hearthBin, "gateway", "--port", String(port), "--config", config], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: join(temp.dir, `${name}-home`), HEARTH_STATE_DIR: state, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(gateway);
  let stdout = "";
  gateway.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  gateway.stderr?.resume();
  return { gateway, port, state, stdout: () => stdout };
}

test("/health answers while the start's ask of a local server is held; the setup lines come once it answers", { timeout: 60_000 }, async () => {
  const models = await heldListingServer();
  const { gateway, port, stdout } = await startGateway("held", models.port);
  await models.asked;
  // Asked while the listing stays held (the start's ask gives up after 0.5 s without a byte): the gateway listens already.
  assert.equal(await status(`http://127.0.0.1:${port}/health`), 200, `/health answers once the start's ask is out\n${stdout()}`);
  assert.ok(models.held.length > 0, "/health answered while the start's ask of the model server was still out");
  assert.doesNotMatch(stdout(), /ready: a model answers|needs setup/, "the setup lines wait for the ask");

  models.answerAll();
  for (const until = Date.now() + 20_000; !/ready: a model answers/.test(stdout()) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(stdout(), /web chat at http:\/\/127\.0\.0\.1:\d+\/\nconfig: .*\nlog: .*\nready: a model answers/, "the banner, then what the ask found");
  gateway.kill("SIGTERM");
  await new Promise((resolve) => gateway.once("exit", resolve));
});

test("a SIGTERM while the start's ask is still out stops the gateway as any stop does: drained, logged, its records gone", { timeout: 60_000 }, async () => {
  const models = await heldListingServer();
  const { gateway, port, state, stdout } = await startGateway("stopped-early", models.port);
  await models.asked;
  assert.equal(await status(`http://127.0.0.1:${port}/health`), 200, `/health answers once the start's ask is out\n${stdout()}`);
  assert.ok(models.held.length > 0, "the stop is asked for while the start's ask is still out");
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => gateway.once("exit", (code, signal) => resolve({ code, signal })));
  gateway.kill("SIGTERM");
  // Before, Node's default for SIGTERM ended it there and then: killed by the signal, no "stopped", its records left.
  assert.deepEqual(await exited, { code: 0, signal: null }, stdout());
  assert.match(stdout(), /SIGTERM: stopping; nothing in flight\n(?:.*\n)*stopped\n?$/, "the stop's own lines");
  const logFile = /^log: (.+)$/m.exec(stdout())?.[1];
  assert.ok(logFile, `the banner names the log\n${stdout()}`);
  assert.match(readFileSync(logFile, "utf8"), /"msg":"gateway stopped"/, "the log says the gateway stopped");
  for (const record of ["gateway.owner.json", join("gateway.listening", `${gateway.pid}.json`)]) assert.equal(existsSync(join(state, record)), false, `${record} is gone once the gateway stopped`);
});

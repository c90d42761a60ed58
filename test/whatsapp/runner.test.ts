// WhatsApp in `hearth gateway` (src/cli/gateway/whatsapp-runner.ts) on the Baileys stand-in: started and
// stopped by the config, other channels.whatsapp changes applied to the running channel, and the
// terminal told what matters (not linked, connected, connection lost, logged out) once, not per try.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import { pino } from "pino";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { readStatus } from "../../src/channels/whatsapp/status-file.js";
import { WhatsAppRunner } from "../../src/cli/gateway/whatsapp-runner.js";
import type { CliIo } from "../../src/cli/io.js";
import { parseConfigValue } from "../../src/config/load.js";
import { tempDir } from "../helpers/run-cli.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

const settle = async (): Promise<void> => {
  for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setImmediate(resolve));
};

function config(whatsapp: Record<string, unknown>) {
  return parseConfigValue({ agents: { list: [{ id: "phone" }] }, channels: { whatsapp } }, undefined, {}).config;
}

function runner(name: string, options: { linked?: boolean } = {}) {
  const stateDir = join(temp.dir, name);
  if (options.linked) {
    mkdirSync(whatsappPaths(stateDir).credentials, { recursive: true });
    writeFileSync(join(whatsappPaths(stateDir).credentials, "creds.json"), "{}");
  }
  const stdout = new PassThrough();
  let printed = "";
  stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
  const io: CliIo = { env: {}, cwd: temp.dir, stdin: new PassThrough(), stdout, stderr: new PassThrough(), command: "./bin/hearth" };
  const whatsapp = new FakeWhatsApp();
  const gateway = new ScriptGateway();
  const qrs: string[] = [];
  const running = new WhatsAppRunner({ io, port: gateway, stateDir, logger: pino({ level: "silent" }), onQr: (qr) => qrs.push(qr), socketFactory: whatsapp.factory });
  return { running, whatsapp, gateway, stateDir, qrs, printed: () => printed, status: () => readStatus(whatsappPaths(stateDir).status) };
}

test("a reload that enables WhatsApp starts it, one that disables it stops it; the terminal says not linked and how to link", async () => {
  const run = runner("toggle");
  await run.running.apply(config({ enabled: false, allowFrom: ["+15550100001"] }), "start");
  assert.equal(run.whatsapp.sockets.length, 0, "disabled: nothing started");
  assert.equal(run.status(), undefined);

  await run.running.apply(config({ enabled: true, allowFrom: ["+15550100001"] }), "reload");
  assert.equal(run.whatsapp.sockets.length, 1, "enabled by the reload: connecting");
  assert.equal(
    run.printed(),
    "whatsapp: enabled in the config: starting\nwhatsapp: not linked — scan the QR code on the web chat's status panel or run `./bin/hearth channels login whatsapp`\n",
  );
  assert.equal(run.status()?.state, "connecting");
  assert.equal(run.status()?.writer, "gateway");
  run.whatsapp.socket.emit("connection.update", { qr: "2@code" });
  assert.deepEqual(run.qrs, ["2@code"]);

  await run.running.apply(config({ enabled: false, allowFrom: ["+15550100001"] }), "reload");
  assert.equal(run.whatsapp.socket.ended, true);
  assert.equal(run.status()?.state, "stopped");
  assert.match(run.printed(), /whatsapp: disabled in the config: stopped\n$/);
  assert.doesNotMatch(run.printed(), /whatsapp: stopped:/, "its own stop is not reported as the connection ending");
});

test("other channels.whatsapp changes apply to the running channel from the next message, and the terminal names them", async () => {
  const run = runner("settings", { linked: true });
  await run.running.apply(config({ enabled: true, allowFrom: ["+15550100001"] }), "start");
  assert.equal(run.printed(), "whatsapp: linked; connecting\n");
  run.whatsapp.open();
  run.whatsapp.deliver(run.whatsapp.text("15550100002", "before"));
  await settle();
  assert.deepEqual(run.whatsapp.sent, [], "not allowed yet");

  await run.running.apply(config({ enabled: true, allowFrom: ["+15550100001", "+15550100002"], agent: "phone" }), "reload");
  assert.equal(run.whatsapp.sockets.length, 1, "no reconnect for a settings change");
  assert.match(run.printed(), /whatsapp: channels\.whatsapp\.agent, channels\.whatsapp\.allowFrom changed: in use from the next message\n$/);
  run.whatsapp.deliver(run.whatsapp.text("15550100002", "after"));
  await settle();
  assert.deepEqual(run.whatsapp.sent, [{ jid: "15550100002@s.whatsapp.net", text: "re: after" }]);
  assert.equal(run.gateway.received.at(-1)?.agent, "phone");

  const printed = run.printed();
  await run.running.apply(config({ enabled: true, allowFrom: ["+15550100001", "+15550100002"], agent: "phone" }), "reload");
  assert.equal(run.printed(), printed, "an unchanged section says nothing");
  await run.running.stop();
});

test("the terminal says connected, connection lost and logged out; the tries in between stay in the log", async () => {
  const run = runner("states", { linked: true });
  await run.running.apply(config({ enabled: true }), "start");
  run.whatsapp.open();
  assert.match(run.printed(), /whatsapp: connected as \+15550001111\n$/);
  run.whatsapp.close(408);
  assert.match(run.printed(), /whatsapp: connection lost; reconnecting with backoff \(`\.\/bin\/hearth channels status` shows each try\)\n$/);
  await run.running.stop();
  assert.doesNotMatch(run.printed(), /reconnecting in/);

  const offline = runner("offline", { linked: true });
  await offline.running.apply(config({ enabled: true }), "start");
  offline.whatsapp.offline();
  assert.match(offline.printed(), /^whatsapp: linked; connecting\nwhatsapp: no network — reconnecting \(try 1, next in \d s\); `\.\/bin\/hearth channels status` shows each try\n$/, "no network at start: said, never a code to scan");
  await settle();
  await offline.running.stop();

  const out = runner("logged-out", { linked: true });
  await out.running.apply(config({ enabled: true }), "start");
  out.whatsapp.open();
  out.whatsapp.close(401);
  assert.match(out.printed(), /whatsapp: logged out from the phone; credentials removed — run `\.\/bin\/hearth channels login whatsapp` to link again\n$/);
  assert.doesNotMatch(out.printed(), /connection lost/);
  await out.running.stop();
});

// startWhatsApp as the composition root calls it: config in, a running channel out, stop() ends it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { startWhatsApp } from "../../src/channels/whatsapp/start.js";
import { readStatus } from "../../src/channels/whatsapp/status-file.js";
import { parseConfigValue } from "../../src/config/load.js";
import { tempDir } from "../helpers/run-cli.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

test("startWhatsApp: the config's channels.whatsapp decides who is answered, by which agent; stop() ends it", async () => {
  const { config } = parseConfigValue({ agents: { list: [{ id: "phone" }] }, channels: { whatsapp: { enabled: true, allowFrom: ["+15550100001"], agent: "phone" } } }, undefined, {});
  const whatsapp = new FakeWhatsApp();
  const gateway = new ScriptGateway();
  const warnings: string[] = [];
  const stateDir = join(temp.dir, "state");
  const running = await startWhatsApp({ port: gateway, config, stateDir, logger: { info: () => undefined, warn: (line) => warnings.push(line) }, socketFactory: whatsapp.factory });
  assert.match(warnings[0] ?? "", /not linked yet — run `hearth channels login whatsapp`/);
  assert.deepEqual(whatsapp.authDirs, [whatsappPaths(stateDir).credentials]);
  whatsapp.open();
  whatsapp.deliver(whatsapp.text("15550100001", "hi"), whatsapp.text("15550100002", "hi"));
  for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(whatsapp.sent, [{ jid: "15550100001@s.whatsapp.net", text: "re: hi" }]);
  assert.equal(gateway.received[0]?.agent, "phone");
  running.stop();
  assert.equal(whatsapp.socket.ended, true);
  assert.equal(readStatus(whatsappPaths(stateDir).status)?.state, "stopped");
});

// `hearth channels status`, `hearth pairing list|approve` and the channels.whatsapp config through the real bin/hearth.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { PairingStore } from "../../src/channels/whatsapp/pairing-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { writeStatus } from "../../src/channels/whatsapp/status-file.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
after(() => temp.cleanup());

test("pairing list shows the open codes; approve lets the sender in; a wrong code names the open ones", async () => {
  const state = join(temp.dir, "pairing");
  const env = { HEARTH_STATE_DIR: state };
  const empty = await runCli(["pairing", "list"], { env });
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /No pairing requests waiting/);

  const store = new PairingStore(whatsappPaths(state).pairing);
  const { request } = store.request("+15550100009", "Stranger");
  const listed = await runCli(["pairing", "list"], { env });
  assert.match(listed.stdout, new RegExp(`${request.code}\\s+\\+15550100009\\s+Stranger`));

  const wrong = await runCli(["pairing", "approve", "NOPE42"], { env });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /no pairing request with code "NOPE42"/);
  assert.match(wrong.stderr, new RegExp(`open codes: ${request.code}`));

  const approved = await runCli(["pairing", "approve", request.code, "--json"], { env });
  assert.equal(approved.code, 0, approved.stderr);
  assert.deepEqual(JSON.parse(approved.stdout), { approved: "+15550100009", code: request.code });
  assert.equal(store.isApproved("+15550100009"), true);
  assert.deepEqual(JSON.parse((await runCli(["pairing", "list", "--json"], { env })).stdout), { requests: [], approved: ["+15550100009"] });
});

test("channels status: from the config and the status file the running channel writes, without a gateway", async () => {
  const state = join(temp.dir, "status");
  const config = temp.write("wa.json5", `{ channels: { whatsapp: { enabled: true, allowFrom: ["+15550100001"], dmPolicy: "pairing" } } }`);
  const env = { HEARTH_STATE_DIR: state };
  const never = await runCli(["channels", "status", "--config", config], { env });
  assert.equal(never.code, 0, never.stderr);
  assert.equal(never.stdout, "whatsapp: enabled (dmPolicy pairing, 1 allowed number, groups off)\n  linked: no — run `./bin/hearth channels login whatsapp`\n  connection: never started\n");

  writeStatus(whatsappPaths(state).status, { state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "connection lost or timed out; next try in 4 s (attempt 2)", account: "+15550001111", pid: process.pid });
  const live = await runCli(["channels", "status", "--config", config, "--json"], { env });
  assert.deepEqual(JSON.parse(live.stdout), {
    whatsapp: { enabled: true, dmPolicy: "pairing", allowFrom: 1, groups: false, linked: false, state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "connection lost or timed out; next try in 4 s (attempt 2)", account: "+15550001111", running: true },
  });
  const text = await runCli(["channels", "status", "--config", config], { env });
  assert.match(text.stdout, /connection: reconnecting since 2026-12-01 21:00 UTC — connection lost or timed out; next try in 4 s \(attempt 2\)/);

  writeStatus(whatsappPaths(state).status, { state: "connected", since: "2026-12-01T21:00:00.000Z", pid: 2 ** 22 + 12345 });
  const dead = await runCli(["channels", "status", "--config", config], { env });
  assert.match(dead.stdout, /connection: not running \(the gateway, pid 4206649, exited; it was connected since 2026-12-01 21:00 UTC\)/);
});

test("channels login/logout: an unknown channel is a usage error; logout when not linked does nothing", async () => {
  const env = { HEARTH_STATE_DIR: join(temp.dir, "login") };
  const unknown = await runCli(["channels", "login", "telegram"], { env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown channel "telegram" \(channels: whatsapp\)/);
  const logout = await runCli(["channels", "logout", "whatsapp"], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(logout.stdout, "WhatsApp is not linked: nothing to do.\n");
});

test("config: channels.whatsapp values are checked, with the path and the fix", async () => {
  const config = temp.write("bad.json5", `{ channels: { whatsapp: { allowFrom: ["015123"], dmPolicy: "everyone", groups: { allow: ["family"] } } } }`);
  const result = await runCli(["config", "validate", "--config", config]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /channels\.whatsapp\.allowFrom\[0\][^\n]*not an E\.164 phone number/);
  assert.match(result.stderr, /channels\.whatsapp\.dmPolicy/);
  assert.match(result.stderr, /channels\.whatsapp\.groups\.allow\[0\][^\n]*not a WhatsApp group id/);
});

test("config: channels.whatsapp.agent must name an agent", async () => {
  const config = temp.write("agent.json5", `{ agents: { list: [{ id: "phone", privacy: "local-only", tools: { allow: [] } }] }, channels: { whatsapp: { enabled: true, agent: "fone" } } }`);
  const result = await runCli(["config", "validate", "--config", config]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /channels\.whatsapp\.agent[^\n]*no agent "fone" \(agents: main, phone\)/);
  const good = temp.write("agent-ok.json5", `{ agents: { list: [{ id: "phone", privacy: "local-only", tools: { allow: [] } }] }, channels: { whatsapp: { enabled: true, agent: "phone" } } }`);
  const ok = await runCli(["config", "validate", "--config", good]);
  assert.equal(ok.code, 0, ok.stderr);
});

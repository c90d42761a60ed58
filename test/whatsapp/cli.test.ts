// `hearth channels status`, `hearth pairing list|approve` and the channels.whatsapp config through the real bin/hearth.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { PairingStore } from "../../src/channels/whatsapp/pairing-store.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { writeStatus } from "../../src/channels/whatsapp/status-file.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

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

test("pairing list and approve print a sender's name as one clean line, also from a file an older hearth wrote raw", async () => {
  const state = join(temp.dir, "pairing-names");
  const env = { HEARTH_STATE_DIR: state };
  const forged = "Mom\u001b[2K\r\u001b[32m✓ +15551234567 (you)\u001b]0;x\u0007\nXYZ\u202e";
  const at = Date.now();
  const request = { code: "ABCDEF", number: "+19998887777", name: forged, createdAt: new Date(at).toISOString(), expiresAt: new Date(at + 3_600_000).toISOString() };
  mkdirSync(join(state, "channels", "whatsapp"), { recursive: true });
  writeFileSync(whatsappPaths(state).pairing, JSON.stringify({ requests: [request], approved: [] }));
  const listed = await runCli(["pairing", "list"], { env });
  assert.equal(listed.code, 0, listed.stderr);
  const lines = listed.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2, listed.stdout);
  assert.match(lines[1] ?? "", /^ABCDEF {2}\+19998887777 {2}Mom ✓ \+15551234567 \(you\) XYZ {2}\d{4}-/);
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  assert.doesNotMatch(listed.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  const json = await runCli(["pairing", "list", "--json"], { env });
  assert.equal((JSON.parse(json.stdout) as { requests: { name: string }[] }).requests[0]?.name, "Mom ✓ +15551234567 (you) XYZ");
  const approved = await runCli(["pairing", "approve", "ABCDEF"], { env });
  assert.equal(approved.stdout, "Approved +19998887777 (Mom ✓ +15551234567 (you) XYZ): their next WhatsApp message is answered.\n");
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
    whatsapp: { enabled: true, dmPolicy: "pairing", allowFrom: 1, groups: false, linked: false, state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "connection lost or timed out; next try in 4 s (attempt 2)", account: "+15550001111", running: true, writer: "gateway" },
  });
  const text = await runCli(["channels", "status", "--config", config], { env });
  assert.match(text.stdout, /connection: reconnecting since 2026-12-01 21:00 \+00:00 — connection lost or timed out; next try in 4 s \(attempt 2\)/);

  writeStatus(whatsappPaths(state).status, { state: "connected", since: "2026-12-01T21:00:00.000Z", pid: 2 ** 22 + 12345 });
  const dead = await runCli(["channels", "status", "--config", config], { env });
  assert.match(dead.stdout, /connection: not running \(the gateway, pid 4206649, exited; it was connected since 2026-12-01 21:00 \+00:00\)/);
});

test("channels status: a status the login command wrote is worded as the login's, not the gateway's", async () => {
  const state = join(temp.dir, "status-login");
  const env = { HEARTH_STATE_DIR: state };
  writeStatus(whatsappPaths(state).status, { state: "reconnecting", since: "2026-12-01T21:00:00.000Z", reason: "connection lost or timed out; next try in 2 s (attempt 1)", pid: 2 ** 22 + 12345, writer: "login" });
  const dead = await runCli(["channels", "status"], { env });
  assert.match(dead.stdout, /connection: not running \(the login command, pid 4206649, exited; it was reconnecting since 2026-12-01 21:00 \+00:00 — connection lost/);
  assert.doesNotMatch(dead.stdout, /gateway/);

  writeStatus(whatsappPaths(state).status, { state: "waiting-for-scan", since: "2026-12-01T21:00:00.000Z", reason: "scan the QR code with WhatsApp → Linked devices", pid: process.pid, writer: "login" });
  const live = await runCli(["channels", "status"], { env });
  assert.match(live.stdout, new RegExp(`connection: waiting-for-scan since 2026-12-01 21:00 \\+00:00 \\(by \`\\./bin/hearth channels login whatsapp\`, pid ${process.pid}\\) — scan the QR code`));
  assert.equal(JSON.parse((await runCli(["channels", "status", "--json"], { env })).stdout).whatsapp.writer, "login");
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

test("the real gateway: enabling WhatsApp in the config starts it (saying it is not linked and how to link), disabling stops it", async () => {
  const state = join(temp.dir, "gateway-reload");
  const env = { HEARTH_STATE_DIR: state };
  const file = temp.write("reload.json5", `{ channels: { whatsapp: { enabled: false, allowFrom: ["+15550100001"] } } }`);
  const gateway = await startGateway(["--config", file], env);
  try {
    await gateway.waitFor(/ready: a model answers|needs setup/);
    assert.match((await runCli(["channels", "status", "--config", file], { env })).stdout, /connection: never started/);

    // Baileys is loaded and connects (it cannot reach WhatsApp here: it keeps reconnecting, in the log only).
    writeFileSync(file, `{ channels: { whatsapp: { enabled: true, allowFrom: ["+15550100001"] } } }`);
    await gateway.waitFor(/whatsapp: enabled in the config: starting\n/);
    await gateway.waitFor(/whatsapp: not linked — scan the QR code on the web chat's status panel or run `\.\/bin\/hearth channels login whatsapp`\n/);
    const started = await runCli(["channels", "status", "--config", file], { env });
    assert.match(started.stdout, /connection: (connecting|reconnecting|waiting-for-scan) since /);
    assert.doesNotMatch(started.stdout, /never started|not running/);

    writeFileSync(file, `{ channels: { whatsapp: { enabled: false, allowFrom: ["+15550100001"] } } }`);
    await gateway.waitFor(/whatsapp: disabled in the config: stopped\n/);
    assert.match((await runCli(["channels", "status", "--config", file], { env })).stdout, /connection: stopped since .* — disabled in the config \(channels\.whatsapp\.enabled\)/);
    assert.doesNotMatch(gateway.stdout(), /reconnecting in/, "reconnect tries are for the log, not the terminal");
  } finally {
    await gateway.stop();
  }
});

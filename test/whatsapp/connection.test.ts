import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { reconnectDelay } from "../../src/channels/whatsapp/connection.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { readStatus } from "../../src/channels/whatsapp/status-file.js";
import { tempDir } from "../helpers/run-cli.js";
import { ALICE, aliceChat, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

function status(stateDir: string) {
  return readStatus(whatsappPaths(stateDir).status);
}

describe("reconnecting", () => {
  test("the delay doubles to its cap, with ±25% jitter", () => {
    const backoff = { initialMs: 2_000, maxMs: 60_000 };
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((attempt) => reconnectDelay(attempt, backoff, () => 0.5)), [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    assert.equal(reconnectDelay(0, backoff, () => 0), 1_500);
    assert.equal(reconnectDelay(0, backoff, () => 0.999_999), 2_500);
  });

  test("after network loss: reconnects with backoff, status says reconnecting and why, then connected; an open resets the backoff", async () => {
    const { channel, whatsapp, clock, stateDir } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "reconnect" });
    assert.equal(status(stateDir)?.state, "connected");
    assert.equal(status(stateDir)?.account, "+15550001111");
    const connectedSince = status(stateDir)?.since;

    whatsapp.close(408);
    assert.equal(status(stateDir)?.state, "reconnecting");
    assert.match(status(stateDir)?.reason ?? "", /connection lost or timed out; next try in 2 s \(attempt 1\)/);
    clock.advance(1_999);
    assert.equal(whatsapp.sockets.length, 1, "no new socket before the delay");
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(whatsapp.sockets.length, 2);
    whatsapp.close(428);
    assert.match(status(stateDir)?.reason ?? "", /connection closed; next try in 4 s \(attempt 2\)/);
    clock.advance(4_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(whatsapp.sockets.length, 3);
    whatsapp.open();
    assert.equal(status(stateDir)?.state, "connected");
    assert.notEqual(status(stateDir)?.since, connectedSince);
    whatsapp.close(503);
    assert.match(status(stateDir)?.reason ?? "", /WhatsApp unavailable; next try in 2 s/, "the backoff starts over after an open");

    channel.stop();
    assert.equal(status(stateDir)?.state, "stopped");
    clock.advance(10 * 60_000);
    assert.equal(whatsapp.sockets.length, 3, "no reconnect after stop");
  });

  test("no network while linked: status says no network — reconnecting (try N, next in N s), never 'connection lost' nor a code to scan", async () => {
    const { channel, whatsapp, clock, stateDir, logs } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "offline" });
    mkdirSync(whatsappPaths(stateDir).credentials, { recursive: true });
    writeFileSync(join(whatsappPaths(stateDir).credentials, "creds.json"), "{}");
    whatsapp.offline();
    assert.equal(status(stateDir)?.state, "reconnecting");
    assert.equal(status(stateDir)?.reason, "no network — reconnecting (try 1, next in 2 s)");
    assert.equal(status(stateDir)?.cause, "no-network");
    assert.ok(logs.some((line) => /no network \(getaddrinfo ENOTFOUND web\.whatsapp\.com\)/.test(line)), logs.join("\n"));
    clock.advance(2_000);
    await new Promise((resolve) => setImmediate(resolve));
    whatsapp.offline("EAI_AGAIN");
    assert.equal(status(stateDir)?.reason, "no network — reconnecting (try 2, next in 4 s)");
    clock.advance(4_000);
    await new Promise((resolve) => setImmediate(resolve));
    // A link code offered with credentials on disk: they did not log in; nothing asks to scan it.
    whatsapp.qr();
    assert.doesNotMatch(status(stateDir)?.reason ?? "", /scan/i);
    assert.match(status(stateDir)?.reason ?? "", /the saved credentials did not log in/);
    whatsapp.open();
    assert.equal(status(stateDir)?.state, "connected");
    assert.equal(status(stateDir)?.cause, undefined);
    whatsapp.close(408);
    assert.match(status(stateDir)?.reason ?? "", /^connection lost or timed out; next try in 2 s \(attempt 1\)$/, "a close that is not the network's is said as before");
    channel.stop();
  });

  test("restart required (515, after a QR scan): at once", async () => {
    const { channel, whatsapp } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "restart" });
    whatsapp.close(515);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(whatsapp.sockets.length, 2);
    channel.stop();
  });

  test("logged out (401): credentials removed, status says so, no reconnect loop", async () => {
    const { channel, whatsapp, clock, stateDir, logs } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "logged-out" });
    const credentials = whatsappPaths(stateDir).credentials;
    assert.deepEqual(whatsapp.authDirs, [credentials]);
    mkdirSync(credentials, { recursive: true, mode: 0o700 });
    writeFileSync(join(credentials, "creds.json"), "{}", { mode: 0o600 });
    whatsapp.close(401);
    assert.equal(existsSync(credentials), false);
    assert.equal(status(stateDir)?.state, "logged-out");
    assert.match(status(stateDir)?.reason ?? "", /logged out from the phone; credentials removed — run `hearth channels login whatsapp`/);
    clock.advance(24 * 60 * 60_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(whatsapp.sockets.length, 1);
    assert.ok(logs.some((line) => /not reconnecting/.test(line)));
    channel.stop();
    assert.equal(status(stateDir)?.state, "logged-out", "stop keeps the logged-out state");
  });

  for (const [code, words] of [
    [440, "replaced by another session of this account"],
    [403, "forbidden by WhatsApp"],
  ] as const) {
    test(`${code} (${words}): stopped, not reconnecting`, async () => {
      const { channel, whatsapp, clock, stateDir } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: `final-${code}` });
      whatsapp.close(code);
      clock.advance(60 * 60_000);
      assert.equal(whatsapp.sockets.length, 1);
      assert.equal(status(stateDir)?.state, "stopped");
      assert.match(status(stateDir)?.reason ?? "", new RegExp(words));
      channel.stop();
    });
  }

  test("the status file is owner-only", async () => {
    const { channel, stateDir } = await startChannel({ gateway: new ScriptGateway(), dir: temp.dir, name: "perms" });
    assert.equal(statSync(whatsappPaths(stateDir).status).mode & 0o777, 0o600);
    channel.stop();
  });

  test("an answer that could not be sent (connection lost mid-turn) is sent after reconnecting", async () => {
    const gateway = new ScriptGateway();
    const { channel, whatsapp, clock } = await startChannel({ gateway, dir: temp.dir, name: "outbox" });
    const arrived = gateway.hold();
    whatsapp.deliver(whatsapp.text(ALICE, "hi"));
    await arrived;
    whatsapp.socket.end();
    whatsapp.close(408);
    gateway.release();
    await channel.idle();
    assert.deepEqual(whatsapp.sent, []);
    clock.advance(2_000);
    await new Promise((resolve) => setImmediate(resolve));
    whatsapp.open();
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["re: hi"]);
    channel.stop();
  });
});

describe("every model down", () => {
  test("the message waits and is answered when a provider comes back (provider-health up)", async () => {
    let down = true;
    const gateway = new ScriptGateway((inbound) => (down ? { fail: "transient", error: "lmstudio unreachable" } : { ok: `answer (${inbound.retry ? "retry" : "fresh"})` }));
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "down-back" });
    whatsapp.deliver(whatsapp.text(ALICE, "are you there?"));
    await channel.idle();
    assert.deepEqual(whatsapp.sent, [], "nothing sent while waiting");
    down = false;
    gateway.emit({ type: "provider-health", health: { provider: "lmstudio", local: true, state: "up", firstTokenMs: [] } });
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["answer (retry)"]);
    assert.deepEqual(gateway.received.map((inbound) => [inbound.text, inbound.retry ?? false]), [["are you there?", false], ["are you there?", true]]);
    channel.stop();
  });

  test("without health events: retried on a timer with backoff", async () => {
    let failures = 2;
    const gateway = new ScriptGateway(() => (failures-- > 0 ? { fail: "transient" } : { ok: "back" }));
    const { channel, whatsapp, clock } = await startChannel({ gateway, dir: temp.dir, name: "timer" });
    whatsapp.deliver(whatsapp.text(ALICE, "hello"));
    await channel.idle();
    clock.advance(60_000);
    await channel.idle();
    assert.equal(gateway.received.length, 2, "first retry after a minute");
    clock.advance(119_999);
    await channel.idle();
    assert.equal(gateway.received.length, 2);
    clock.advance(1);
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["back"]);
    channel.stop();
  });

  test("past the retry window the sender is told; nothing is dropped silently", async () => {
    const gateway = new ScriptGateway(() => ({ fail: "transient" }));
    const { channel, whatsapp, clock } = await startChannel({ gateway, dir: temp.dir, name: "window", section: { retryWindowMinutes: 5 } });
    whatsapp.deliver(whatsapp.text(ALICE, "first"));
    await channel.idle();
    whatsapp.deliver(whatsapp.text(ALICE, "second"));
    await channel.idle();
    for (let minute = 0; minute < 6; minute++) {
      clock.advance(60_000);
      await channel.idle();
    }
    assert.deepEqual(whatsapp.to(aliceChat), [
      "Sorry — no model could answer for 5 minutes, so this message got no answer: “first”. Send it again later.",
      "Sorry — no model could answer for 5 minutes, so this message got no answer: “second”. Send it again later.",
    ]);
    clock.advance(60 * 60_000);
    await channel.idle();
    assert.equal(whatsapp.sent.length, 2, "told once");
    channel.stop();
  });

  test("a waiting message answered meanwhile (from the web chat, say): its answer is sent, and no retry goes — one naming no message would resend an older unanswered one", async () => {
    let down = true;
    const gateway = new ScriptGateway(() => (down ? { fail: "transient" } : { ok: "a fresh answer" }));
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "answered-meanwhile" });
    whatsapp.deliver(whatsapp.text(ALICE, "are you there?"));
    await channel.idle();
    const items = gateway.transcripts.get([...gateway.transcripts.keys()][0] ?? "") ?? [];
    // An older message that never got an answer sits before it; the waiting one is answered elsewhere.
    items.unshift({ role: "user", text: "an old question", at: "2026-01-01T00:00:00.000Z" });
    items.push({ role: "assistant", text: "answered from the web chat", at: new Date().toISOString() });
    down = false;
    gateway.emit({ type: "provider-health", health: { provider: "lmstudio", local: true, state: "up", firstTokenMs: [] } });
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["answered from the web chat"]);
    assert.deepEqual(gateway.received.map((inbound) => [inbound.text, inbound.retry ?? false]), [["are you there?", false]], "no retry was sent");
    channel.stop();
  });

  test("two messages waiting in one session: the last is resent when a model is back, the earlier one is named", async () => {
    let down = true;
    const gateway = new ScriptGateway(() => (down ? { fail: "transient" } : { ok: "answered" }));
    const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "two-waiting" });
    whatsapp.deliver(whatsapp.text(ALICE, "first"));
    await channel.idle();
    whatsapp.deliver(whatsapp.text(ALICE, "second"));
    await channel.idle();
    const up = { type: "provider-health", health: { provider: "lmstudio", local: true, state: "up", firstTokenMs: [] } } as const;
    gateway.emit(up);
    await channel.idle();
    assert.deepEqual(whatsapp.sent, [], "still down: nothing told yet");
    down = false;
    gateway.emit(up);
    await channel.idle();
    assert.deepEqual(whatsapp.to(aliceChat), ["answered", "This message got no answer while the models were down: “first”. Send it again if it still matters."]);
    channel.stop();
  });
});

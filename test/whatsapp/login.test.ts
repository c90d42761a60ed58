// `hearth channels login whatsapp`: linkAccount on the Baileys stand-in (a socket that closes at once,
// then one that gives a QR code), and the real bin/hearth, which must keep trying until Ctrl+C.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { linkAccount, type LinkResult } from "../../src/channels/whatsapp/account.js";
import { whatsappPaths } from "../../src/channels/whatsapp/state-paths.js";
import { readStatus } from "../../src/channels/whatsapp/status-file.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { hearthBin, repoRoot, runCli, tempDir } from "../helpers/run-cli.js";
import { FakeWhatsApp } from "./fake-whatsapp.js";

const temp = tempDir();
after(() => temp.cleanup());

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function login(name: string, extra: { signal?: AbortSignal; timeoutMs?: number } = {}) {
  const stateDir = join(temp.dir, name);
  const whatsapp = new FakeWhatsApp();
  const clock = new ManualClock();
  const qrs: string[] = [];
  const warnings: string[] = [];
  let settled: LinkResult | undefined;
  const done = linkAccount({
    stateDir,
    socketFactory: whatsapp.factory,
    logger: { info: () => undefined, warn: (line) => warnings.push(line) },
    onQr: (qr) => qrs.push(qr),
    clock,
    random: () => 0.5,
    backoff: { initialMs: 2_000, maxMs: 60_000 },
    ...extra,
  }).then((result) => (settled = result));
  return { stateDir, whatsapp, clock, qrs, warnings, done, settled: () => settled, status: () => readStatus(whatsappPaths(stateDir).status) };
}

test("login: a socket that closes at once is retried with backoff; the next one's QR code is shown; linked once it opens", async () => {
  const run = login("retry");
  await tick();
  run.whatsapp.close(408);
  assert.match(run.warnings.join("\n"), /connection lost or timed out; reconnecting in 2 s/);
  assert.equal(run.settled(), undefined, "still trying");
  assert.equal(run.status()?.state, "reconnecting");
  assert.equal(run.status()?.writer, "login");
  run.clock.advance(2_000);
  await tick();
  assert.equal(run.whatsapp.sockets.length, 2);
  run.whatsapp.socket.emit("connection.update", { qr: "2@first-code" });
  run.whatsapp.socket.emit("connection.update", { qr: "2@second-code" });
  assert.deepEqual(run.qrs, ["2@first-code", "2@second-code"]);
  assert.equal(run.status()?.state, "waiting-for-scan");
  run.whatsapp.open();
  assert.deepEqual(await run.done, { outcome: "linked", account: "+15550001111" });
  assert.equal(run.whatsapp.socket.ended, true);
  assert.equal(run.status()?.state, "stopped");
  assert.match(run.status()?.reason ?? "", /linked by `hearth channels login whatsapp`/);
});

test("login: Ctrl+C (the signal) ends the attempt with nothing linked, and no reconnect follows", async () => {
  const cancel = new AbortController();
  const run = login("cancel", { signal: cancel.signal });
  await tick();
  run.whatsapp.close(408);
  cancel.abort();
  assert.deepEqual(await run.done, { outcome: "cancelled", reason: "cancelled" });
  assert.equal(run.status()?.state, "stopped");
  assert.equal(run.status()?.reason, "login cancelled; nothing was linked");
  run.clock.advance(60_000);
  await tick();
  assert.equal(run.whatsapp.sockets.length, 1, "the pending reconnect was cancelled");
});

test("login: gives up after its time, saying whether WhatsApp was unreachable or the code was not scanned", async () => {
  const unreachable = login("unreachable", { timeoutMs: 5 * 60_000 });
  for (let attempt = 0; attempt < 6 && !unreachable.settled(); attempt++) {
    await tick();
    unreachable.whatsapp.close(408);
    unreachable.clock.advance(60_000);
  }
  assert.deepEqual(await unreachable.done, { outcome: "timed-out", reason: "could not reach WhatsApp within 5 minutes (last: connection lost or timed out)" });
  assert.ok(unreachable.whatsapp.sockets.length > 3, "it kept trying until then");
  assert.equal(unreachable.status()?.state, "stopped");

  const unscanned = login("unscanned", { timeoutMs: 2 * 60_000 });
  await tick();
  unscanned.whatsapp.socket.emit("connection.update", { qr: "2@code" });
  unscanned.clock.advance(2 * 60_000);
  assert.deepEqual(await unscanned.done, { outcome: "timed-out", reason: "no QR code was scanned within 2 minutes" });
  assert.equal(unscanned.whatsapp.socket.ended, true);
});

test("login: logged out by WhatsApp ends the attempt at once", async () => {
  const run = login("forbidden");
  await tick();
  run.whatsapp.close(403);
  const result = await run.done;
  assert.equal(result.outcome, "ended");
  assert.match(result.outcome === "ended" ? result.reason : "", /forbidden by WhatsApp/);
});

test("the real `hearth channels login whatsapp` keeps trying without a network until Ctrl+C, then exits 130 saying nothing was linked", async () => {
  // Baileys cannot reach WhatsApp here: each socket closes, and login must keep reconnecting (it exited 13 at the first close).
  const stateDir = join(temp.dir, "real-login");
  const child = spawn(process.execPath, [hearthBin, "channels", "login", "whatsapp"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", HEARTH_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => (ended = true));
  // Two reconnect waits (the second one comes after the first timer fired), or a QR code where WhatsApp is reachable.
  const progressed = (): boolean => (stderr.match(/reconnecting in \d+ s/g) ?? []).length >= 2 || /▄|█/.test(stdout);
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (progressed()) resolve();
      else if (ended) reject(new Error(`login exited while it should keep trying\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    };
    child.stdout.on("data", (chunk: Buffer) => ((stdout += chunk.toString()), check()));
    child.stderr.on("data", (chunk: Buffer) => ((stderr += chunk.toString()), check()));
    void exited.then(check);
  });
  assert.equal(child.exitCode, null, "still running");
  child.kill("SIGINT");
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /hearth: login cancelled: nothing was linked\./);
  assert.doesNotMatch(stderr, /Warning: Detected unsettled top-level await/);

  const status = await runCli(["channels", "status"], { env: { HEARTH_STATE_DIR: stateDir } });
  assert.match(status.stdout, /connection: stopped since .* — login cancelled; nothing was linked/);
});

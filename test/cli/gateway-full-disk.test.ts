import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { mountTmpfs, runHearth } from "../helpers/state-faults.js";

/**
 * A whole state dir on a real tmpfs that fills (trial t13, findings 1 and 8): the log's write threw
 * ENOSPC, which ended the gateway with a stack trace; a start on the full disk said "unexpected error …
 * please report it" and left a `gateway.owner.json.<pid>.tmp` per try; the last line before the crash
 * was torn, and the next start's first line glued to it.
 */

/** Fills the file system that holds `dir` to its last byte (a filler of up to 4 MiB; the tmpfs is far smaller). */
function fill(dir: string, name = "filler"): void {
  try {
    writeFileSync(join(dir, name), Buffer.alloc(4 * 1024 * 1024));
  } catch {
    // Full: what the test wants.
  }
}

/** Every line of the log parses: a torn or glued line fails the test. */
function logLines(state: string): { msg: string; dropped?: number }[] {
  const text = readFileSync(join(state, "logs/gateway.log"), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as { msg: string; dropped?: number };
      } catch {
        throw new Error(`a log line that is not whole: ${line}`);
      }
    });
}

const temporaryFiles = (state: string): string[] => readdirSync(state, { recursive: true, encoding: "utf8" }).filter((name) => name.endsWith(".tmp"));

describe("hearth gateway on a disk that fills (real tmpfs)", { timeout: 90_000 }, () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  const gateways: RunningGateway[] = [];
  const unmounts: (() => void)[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    for (const unmount of unmounts) unmount();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const setup = async (name: string, t: { skip(message: string): void }) => {
    const state = join(temp.dir, name);
    const unmount = mountTmpfs(state, { sizeKb: 256 });
    if (!unmount) {
      t.skip("mount is not permitted here");
      return undefined;
    }
    unmounts.push(unmount);
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "fine" })));
    servers.push(server);
    const file = temp.write(`${name}.json5`, `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    return { state, file };
  };

  test("the log cannot be written: the gateway keeps serving, says so once, and once when it can again, with how many lines were dropped", async (t) => {
    const made = await setup("running", t);
    if (!made) return;
    const { state, file } = made;
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    fill(state);
    // Each request is a log line; the log's last page of the tmpfs takes a few more before the disk refuses them.
    for (let request = 0; request < 400 && !gateway.stderr().includes("cannot write the gateway log"); request++) {
      const health = await fetch(`${gateway.url}/health`);
      assert.equal(health.status, 200, "the gateway still serves");
      await health.text();
    }
    const warning = await gateway.waitFor(/hearth: warning: cannot write the gateway log [^\n]*\n/, "stderr");
    assert.ok(warning.includes(join(state, "logs/gateway.log")), warning);
    assert.match(warning, /the disk is full \(ENOSPC\) — free some space on the disk that holds .*; the gateway keeps serving, and drops log lines \(counting them\)/);
    assert.doesNotMatch(gateway.stderr(), /Error: ENOSPC|at writeSync|unexpected error/);

    rmSync(join(state, "filler"));
    const health = await fetch(`${gateway.url}/health`);
    assert.equal(health.status, 200);
    await health.text();
    const back = await gateway.waitFor(/the gateway log \S+ can be written again: \d+ line\(s\) were dropped meanwhile \(the disk was full \(ENOSPC\)\)/, "stderr");
    const dropped = Number(/(\d+) line/.exec(back)?.[1]);
    assert.ok(dropped >= 1, back);
    assert.equal(gateway.stderr().match(/cannot write the gateway log/g)?.length, 1, "said once");
    // The log says it too, and holds whole lines only (a line the disk cut short is ended before the next).
    const note = logLines(state).find((line) => line.dropped !== undefined);
    assert.equal(note?.dropped, dropped);
    assert.equal(note?.msg, `${dropped} log line(s) were dropped: the disk was full (ENOSPC)`);
    assert.equal(gateway.child.exitCode, null, "still running");
  });

  test("a start on a full disk: exit 1, naming what is full, where, and the fix; no temporary file left behind", async (t) => {
    const made = await setup("full-start", t);
    if (!made) return;
    const { state, file } = made;
    mkdirSync(join(state, "logs"));
    writeFileSync(join(state, "logs/gateway.log"), `${JSON.stringify({ level: 30, msg: "an earlier run" })}\n`);
    fill(state);
    for (let start = 0; start < 2; start++) {
      const result = await runHearth(["gateway", "--port", "0", "--config", file], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /the disk is full \(ENOSPC\)/);
      assert.match(result.stderr, new RegExp(`free some space on the disk that holds ${state}`));
      assert.ok(result.stderr.includes(state), result.stderr);
      assert.doesNotMatch(result.stderr, /unexpected error|please report|at writeSync/);
    }
    assert.deepEqual(temporaryFiles(state), [], "no temporary file left");
    assert.equal(readdirSync(state).includes("gateway.lock"), false, "no lock left behind");

    // Space again: the next start serves at once, its first line on a line of its own.
    rmSync(join(state, "filler"));
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    const messages = logLines(state).map((line) => line.msg);
    assert.equal(messages[0], "an earlier run");
    assert.ok(messages.includes("gateway started"), messages.join(", "));
  });

  test("a log whose last line was cut short (a process that died mid-line): the next line starts on a line of its own", async (t) => {
    const made = await setup("torn", t);
    if (!made) return;
    const { state, file } = made;
    mkdirSync(join(state, "logs"));
    writeFileSync(join(state, "logs/gateway.log"), `${JSON.stringify({ level: 30, msg: "whole" })}\n{"level"`);
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state });
    gateways.push(gateway);
    const lines = readFileSync(join(state, "logs/gateway.log"), "utf8").split("\n");
    assert.equal(lines[1], '{"level"', "the torn line is left as it was, alone");
    assert.equal((JSON.parse(lines[2] ?? "") as { msg: string }).msg, "gateway starting");
  });
});

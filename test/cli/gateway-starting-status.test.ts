// A gateway that has taken the state dir but not begun to listen yet (loading its config, a slow disk) read as
// "does not answer … (hung?)": `gateway status` and `doctor` now say it is starting, and only after 30 s that it
// may hang while starting.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../helpers/free-port.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

const temp = tempDir();
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
  temp.cleanup();
});

test("a gateway that holds the state dir and has recorded no address yet is starting; 30 s on, it may hang while starting", { timeout: 60_000 }, async () => {
  const port = await freePort();
  const config = temp.write("hearth.json5", `{ gateway: { port: ${port} }, agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } } }\n`);
  const state = join(temp.dir, "state");
  mkdirSync(join(state, "gateway.lock"), { recursive: true });
  // A process whose command line is a gateway's, as a starting one is: it holds the state dir and listens nowhere yet.
  const starting = spawn(process.execPath, ["-e", "setInterval(() => undefined, 1000)", "gateway"], { stdio: "ignore" });
  children.push(starting);
  const pid = starting.pid as number;
  writeFileSync(join(state, "gateway.owner.json"), `${JSON.stringify({ pid })}\n`);
  const env = { HOME: join(temp.dir, "home"), HEARTH_STATE_DIR: state };

  const status = await runCli(["gateway", "status", "--config", config], { env });
  assert.equal(status.code, 1, status.stdout + status.stderr);
  assert.match(status.stdout, new RegExp(`^starting: pid ${pid} holds the state dir and is starting: it has not begun to listen yet \\(started \\d+ s ago\\)\\n  fix: wait a few seconds and ask again`, "m"), status.stdout);
  assert.doesNotMatch(status.stdout, /not answering|hung|not running/);
  const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", config], { env })).stdout) as { running: boolean; unresponsive?: { pid: number; starting: boolean } };
  assert.equal(json.running, false);
  assert.deepEqual([json.unresponsive?.pid, json.unresponsive?.starting], [pid, true]);
  const doctor = JSON.parse((await runCli(["doctor", "--json", "--config", config], { env })).stdout) as { findings: { id: string; severity: string; title: string }[] };
  const found = doctor.findings.find((finding) => finding.id === "gateway-unresponsive");
  assert.equal(found?.severity, "warn", JSON.stringify(found));
  assert.match(found?.title ?? "", /is starting: it has not begun to listen yet/);

  // The same, a minute after it took the state dir.
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(join(state, "gateway.owner.json"), minuteAgo, minuteAgo);
  const later = await runCli(["gateway", "status", "--config", config], { env });
  assert.equal(later.code, 1, later.stdout + later.stderr);
  assert.match(later.stdout, new RegExp(`^not answering: pid ${pid} holds the state dir but has not begun to listen \\d+ s after it started \\(hung while starting\\?\\)\\n  fix: see its output or log \\(\`\\S*hearth logs\`\\); end it with \`kill ${pid}\``, "m"), later.stdout);
});

// A new user's trial (t5 #7): a gateway whose process is stopped (a suspended laptop, Ctrl+Z, kill -STOP)
// was "not running … (start it …)", while a second one was refused because it holds the state dir.
// `gateway status` and `doctor` name its pid, say it does not answer, and what to do.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

test("a stopped gateway: status and doctor say pid N holds the state dir but does not answer, with kill -CONT; resumed, it runs", { timeout: 60_000 }, async () => {
  const env = { HOME: join(temp.dir, "home"), HEARTH_STATE_DIR: join(temp.dir, "state") };
  const gateway = await startGateway([], env);
  const pid = gateway.child.pid ?? 0;
  try {
    process.kill(pid, "SIGSTOP");
    const status = await runCli(["gateway", "status"], { env });
    assert.equal(status.code, 1, status.stdout + status.stderr);
    const url = gateway.url.replace(/[.]/g, "\\.");
    assert.match(status.stdout, new RegExp(`^not answering: pid ${pid} holds the state dir but does not answer at ${url}/health within 2 s \\(stopped: its process is suspended\\)\\n  fix: \`kill -CONT ${pid}\` resumes a stopped one`, "m"), status.stdout);
    assert.doesNotMatch(status.stdout, /not running|start it/);
    const json = JSON.parse((await runCli(["gateway", "status", "--json"], { env })).stdout) as { running: boolean; unresponsive?: { pid: number; stopped?: boolean } };
    assert.equal(json.running, false);
    assert.equal(json.unresponsive?.pid, pid);
    assert.equal(json.unresponsive?.stopped, true);

    const doctor = JSON.parse((await runCli(["doctor", "--json"], { env })).stdout) as { findings: { id: string; severity: string; title: string; fix: string }[] };
    const stuck = doctor.findings.find((finding) => finding.id === "gateway-unresponsive");
    assert.equal(stuck?.severity, "error", JSON.stringify(doctor.findings));
    assert.match(stuck?.title ?? "", new RegExp(`^pid ${pid} holds the state dir but does not answer at ${url}/health within 3 s \\(stopped: its process is suspended\\)$`));
    assert.match(stuck?.fix ?? "", new RegExp(`kill -CONT ${pid}`));

    process.kill(pid, "SIGCONT");
    const back = await runCli(["gateway", "status"], { env });
    assert.equal(back.code, 1, back.stdout + back.stderr); // running, but no model answers here: needs setup (exit 1)
    assert.match(back.stdout, /^running: /m);
  } finally {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // Gone already.
    }
    await gateway.stop();
  }
});

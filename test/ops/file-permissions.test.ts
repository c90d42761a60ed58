// Session 6's report: a world-writable ~/.hearth apart from the state dir (HEARTH_STATE_DIR elsewhere)
// went unflagged, and a 0710 state dir (its group may enter it, not list or write it) was called "open
// to its group". Every directory on the way to the config, the state and gateway.env is judged on who
// can write it; each bit is judged for what it gives.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { judgePermissions, type GuardedPath } from "../../src/ops/file-permissions.js";
import { guardedPaths } from "../../src/ops/guarded-paths.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface DoctorFinding {
  id: string;
  severity: string;
  title: string;
  seen: string;
  fix: string;
  fixed?: boolean;
}
interface AuditFinding {
  id: string;
  severity: string;
  title: string;
  detail: string;
  remediation: string;
}

describe("permissions: every directory on the way, and each bit for what it gives", () => {
  const temp = tempDir();
  after(() => temp.cleanup());

  /** A HOME with ~/.hearth (gateway.env in it), a state dir elsewhere and a config in its own directory, all owner-only. */
  function layout(name: string): { home: string; hearth: string; envFile: string; state: string; configDir: string; config: string } {
    const root = join(temp.dir, name);
    const home = join(root, "home");
    const hearth = join(home, ".hearth");
    const state = join(root, "state");
    const configDir = join(root, "conf");
    for (const dir of [hearth, state, configDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const dir of [root, home, hearth, state, configDir]) chmodSync(dir, 0o700);
    const envFile = join(hearth, "gateway.env");
    writeFileSync(envFile, "SOME_KEY=x\n", { mode: 0o600 });
    const config = join(configDir, "hearth.json5");
    writeFileSync(config, `{ agents: { defaults: { tools: { allow: ["time"] } } } }`, { mode: 0o600 });
    return { home, hearth, envFile, state, configDir, config };
  }

  const judged = (paths: { config: string; state: string; envFile: string }): { path: string; id: string; severity: string; title: string; fix: string }[] =>
    guardedPaths({ configFile: paths.config, stateDir: paths.state, envFile: paths.envFile }).flatMap((guarded) => {
      const judgement = judgePermissions(guarded);
      return judgement ? [{ path: guarded.path, id: judgement.id, severity: judgement.severity, title: judgement.title, fix: judgement.fix }] : [];
    });

  test("owner-only everywhere: nothing to say", () => {
    assert.deepEqual(judged(layout("clean")), []);
  });

  test("a world-writable ~/.hearth apart from the state dir, and a config's own directory its group can write: errors with the fix; the same through doctor and the audit", async () => {
    const paths = layout("writable");
    chmodSync(paths.hearth, 0o777);
    chmodSync(paths.configDir, 0o770);
    const found = judged(paths);
    assert.deepEqual(
      found.map(({ path, id, severity, fix }) => ({ path, id, severity, fix })),
      [
        { path: paths.configDir, id: "dir-permissions", severity: "high", fix: `chmod go-w ${paths.configDir}` },
        { path: paths.hearth, id: "dir-permissions", severity: "high", fix: `chmod 700 ${paths.hearth}` },
      ],
    );
    assert.equal(found[0]?.title, `the directory ${paths.configDir}, on the way to the config file ${paths.config}, can be written by other users of this machine (its group) (mode 0770)`);
    assert.equal(found[1]?.title, `the directory ${paths.hearth}, on the way to the gateway's env file ${paths.envFile}, can be written by every user of this machine (mode 0777)`);

    const env = { HOME: paths.home, HEARTH_STATE_DIR: paths.state, HEARTH_GATEWAY_URL: "http://127.0.0.1:1" };
    const doctor = await runCli(["--config", paths.config, "doctor", "--json"], { env });
    const audit = await runCli(["--config", paths.config, "security", "audit", "--json"], { env });
    const doctorFound = (JSON.parse(doctor.stdout) as { findings: DoctorFinding[] }).findings.filter((finding) => finding.id === "dir-permissions" && finding.severity !== "ok");
    const auditFound = (JSON.parse(audit.stdout) as { findings: AuditFinding[] }).findings.filter((finding) => finding.id === "dir-permissions");
    assert.deepEqual(doctorFound.map((finding) => [finding.severity, finding.title, finding.fix]), found.map((finding) => ["error", finding.title, finding.fix]), doctor.stdout);
    assert.deepEqual(auditFound.map((finding) => [finding.severity, finding.title, finding.remediation]).sort(), found.map((finding) => ["high", finding.title, finding.fix]).sort(), audit.stdout);
    assert.equal(doctor.code, 1);
    assert.equal(audit.code, 1);

    // --fix makes hearth's own ~/.hearth owner-only; the config's directory is the user's to decide (its fix stays a remedy).
    const fixed = await runCli(["--config", paths.config, "doctor", "--json", "--fix"], { env });
    const after = (JSON.parse(fixed.stdout) as { findings: DoctorFinding[] }).findings.filter((finding) => finding.id === "dir-permissions" && finding.severity !== "ok");
    assert.deepEqual(after.map((finding) => [finding.fix, finding.fixed === true]), [[`chmod go-w ${paths.configDir}`, false], [`chmod 700 ${paths.hearth}`, true]]);
    assert.equal(statSync(paths.hearth).mode & 0o7777, 0o700);
    assert.equal(statSync(paths.configDir).mode & 0o7777, 0o770);
  });

  test("a parent of the state dir others can write is flagged; with the sticky bit (as /tmp) it is not: no one can rename what is yours in it", () => {
    const paths = layout("parent");
    const parent = join(paths.state, "..");
    chmodSync(parent, 0o777);
    const found = judged(paths);
    assert.deepEqual(found.map(({ id, severity, fix }) => ({ id, severity, fix })), [{ id: "dir-permissions", severity: "high", fix: `chmod go-w ${join(temp.dir, "parent")}` }]);
    assert.match(found[0]?.title ?? "", /on the way to the config file .*, can be written by every user of this machine \(mode 0777\)$/, "named by the first file it leads to");
    chmodSync(parent, 0o1777);
    assert.deepEqual(judged(paths), []);
    // ~/.hearth is hearth's own: sticky or not, an absent config or gateway.env could be planted there.
    chmodSync(paths.hearth, 0o1777);
    assert.deepEqual(judged(paths).map(({ path, fix }) => ({ path, fix })), [{ path: paths.hearth, fix: `chmod 700 ${paths.hearth}` }]);
    chmodSync(parent, 0o700);
  });

  test("the state dir: x alone is entering (a note, never 'open'); r is open; w counts only with x", () => {
    const paths = layout("bits");
    const state = (mode: number) => {
      chmodSync(paths.state, mode);
      const found = judged(paths);
      assert.ok(found.every((finding) => finding.id === "state-permissions"), JSON.stringify(found));
      return found[0];
    };
    const entered = state(0o710);
    assert.equal(entered?.severity, "low");
    assert.equal(entered?.title, `the state directory ${paths.state} may be entered by other users of this machine (its group) (mode 0710), not listed or changed`);
    assert.doesNotMatch(entered?.title ?? "", /open/);
    assert.match(state(0o711)?.title ?? "", /may be entered by every user of this machine \(mode 0711\), not listed or changed$/);
    assert.equal(state(0o711)?.severity, "low");
    assert.deepEqual([state(0o750)?.severity, state(0o750)?.title], ["low", `the state directory ${paths.state} is open to other users of this machine (its group) (mode 0750)`]);
    assert.equal(state(0o755)?.severity, "high");
    assert.deepEqual([state(0o730)?.severity, state(0o730)?.title], ["high", `the state directory ${paths.state} can be written by other users of this machine (its group) (mode 0730)`]);
    assert.equal(state(0o720), undefined, "w without x: no entry can be made or removed");
    assert.equal(state(0o700), undefined);
  });

  test("files: written by others is high (the config too); read by the group alone, low; the bits judged on a file as a file's", () => {
    const file = (role: GuardedPath["role"], mode: number) => judgePermissions({ role, path: "/home/ana/.hearth/hearth.json5", mode: 0o100000 | mode });
    assert.deepEqual([file("config", 0o620)?.severity, file("config", 0o620)?.title], ["high", "the config file /home/ana/.hearth/hearth.json5 can be written by other users of this machine (its group) (mode 0620)"]);
    assert.equal(file("config", 0o602)?.severity, "high");
    assert.equal(file("config", 0o640)?.severity, "low");
    assert.equal(file("config", 0o644)?.severity, "medium");
    assert.equal(file("config", 0o610), undefined, "x on a file gives nothing to read or write");
    assert.equal(file("env", 0o640)?.severity, "high");
    assert.equal(file("env", 0o620)?.fix, "chmod 600 /home/ana/.hearth/hearth.json5");
    assert.equal(file("dir", 0o755), undefined, "a directory on the way is judged on writing alone");
  });
});

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { GUARD_KEEPS } from "../../../src/agent/tools/exec/guarded-places.js";
import { bwrapArguments, execSandboxStatus, SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

const probe = new SandboxProbe();
const support = await probe.support();
const missing = new SandboxProbe({ bwrap: "hearth-no-such-bwrap" });

let state = "";
let work = "";
let config = "";
before(() => {
  state = mkdtempSync(join(tmpdir(), "hearth-sandbox-"));
  // The state dir's workspace: the one folder inside the state dir exec may work in (working-directory.ts).
  work = join(state, "workspace");
  mkdirSync(work);
  writeFileSync(join(state, "secret-session.jsonl"), "SESSION-CANARY\n");
  config = join(work, "hearth.json5");
  writeFileSync(config, "{ apiKey: 'KEY-CANARY' }\n");
});
after(() => rmSync(state, { recursive: true, force: true }));

const context = (settings: NonNullable<ToolSettings["exec"]>): ToolContext => ({ signal: new AbortController().signal, stateDir: state, settings: { exec: settings }, untrusted: (text) => text });
const node = (_unused: string, extra: Partial<NonNullable<ToolSettings["exec"]>> = {}) => ({ commands: ["node"], cwd: work, allowUnknownOptions: true, ...extra });

describe("without bubblewrap", () => {
  test('"require" refuses to run, naming the fix; "auto" runs with the guard alone', async () => {
    const exec = createExecTool({ probe: missing });
    const refused = await exec.run({ command: "node", args: ["-e", "1"] }, context(node("", { sandbox: "require" })));
    assert.equal(refused.isError, true);
    assert.match(refused.content, /^exec is refused: tools\.exec\.sandbox is "require" but bubblewrap \(bwrap\) is not installed; install it .*set tools\.exec\.sandbox to "auto"/);
    // Outside the working directory, and outside the state dir (which exec never reaches, sandbox or not). A path
    // given as an argument would be refused (check-writes.ts); one an interpreter's script holds is beyond any guard.
    const elsewhere = mkdtempSync(join(tmpdir(), "hearth-sandbox-elsewhere-"));
    const ran = await exec.run({ command: "node", args: ["-e", `require('fs').writeFileSync(${JSON.stringify(join(elsewhere, "outside"))}, 'x')`] }, context(node("", { sandbox: "auto" })));
    assert.equal(ran.content, "exit code 0\n(no output)");
    assert.ok(existsSync(join(elsewhere, "outside")), "unsandboxed: the write outside the working directory happened");
    rmSync(elsewhere, { recursive: true, force: true });
  });

  test("the status for `hearth security audit` says whether exec is sandboxed here", async () => {
    assert.deepEqual(await execSandboxStatus("auto", missing), { sandboxed: false, summary: `exec runs with the argument guard alone: bubblewrap (bwrap) is not installed; install it from your distribution's packages (apt-get install bubblewrap, dnf install bubblewrap)${GUARD_KEEPS}` });
    assert.match(GUARD_KEEPS, /~\/\.ssh, ~\/\.gnupg, ~\/\.aws, .*~\/\.pam_environment/);
    assert.equal((await execSandboxStatus("off", probe)).sandboxed, false);
    assert.match((await execSandboxStatus("require", missing)).summary, /^exec is refused: /);
  });
});

test("bwrap arguments: outer mounts first, the working directory writable inside a hidden state dir, the config file in it hidden with it", () => {
  const args = bwrapArguments({ program: "/usr/bin/git", args: ["status"], cwd: "/home/u/.hearth/workspace", hidden: ["/home/u/.hearth"], hiddenFiles: ["/home/u/.hearth/hearth.json5"] });
  assert.deepEqual(args, [
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/home/u/.hearth", "--bind", "/home/u/.hearth/workspace", "/home/u/.hearth/workspace",
    "--remount-ro", "/home/u/.hearth", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--chdir", "/home/u/.hearth/workspace", "--", "/usr/bin/git", "status",
  ]);
});

test("bwrap arguments: /tmp sized, the seccomp filter read from fd 3, what a hidden folder holds hidden with it unless the working directory brings it back", () => {
  const args = bwrapArguments(
    { program: "/usr/bin/git", args: ["status"], cwd: "/home/u/proj", hidden: ["/home/u", "/home/u/.hearth", "/home/u/proj/.keep", "/run"], hiddenFiles: ["/home/u/.hearth/hearth.json5", "/home/u/proj/hearth.json5"] },
    { filter: Buffer.alloc(8), sizedTmp: true },
  );
  assert.deepEqual(args, [
    "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size", String(512 * 1024 * 1024), "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/home/u", "--bind", "/home/u/proj", "/home/u/proj",
    "--tmpfs", "/home/u/proj/.keep", "--ro-bind", "/dev/null", "/home/u/proj/hearth.json5", "--remount-ro", "/home/u", "--remount-ro", "/home/u/proj/.keep", "--remount-ro", "/run",
    "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--seccomp", "3", "--chdir", "/home/u/proj", "--", "/usr/bin/git", "status",
  ]);
});

describe("inside bubblewrap", { skip: support.kind === "none" ? `no OS sandbox here: ${support.reason}` : false }, () => {
  const exec = createExecTool({ probe, hiddenFiles: [] });

  test("writes land in the working directory only; the state dir and config file cannot be read", async () => {
    const script = `const fs = require("fs");
      fs.writeFileSync("inside.txt", "ok");
      for (const path of [process.argv[1], process.argv[2], process.argv[3]]) { try { console.log(path.endsWith("outside") ? (fs.writeFileSync(path, "x"), "WROTE") : fs.readFileSync(path, "utf8").trim() || "EMPTY"); } catch (error) { console.log(error.code); } }`;
    const tool = createExecTool({ probe, hiddenFiles: [config] });
    const result = await tool.run({ command: "node", args: ["-e", script, join(state, "outside"), join(state, "secret-session.jsonl"), config] }, context(node("", { sandbox: "require" })));
    assert.equal(result.isError, false, result.content);
    assert.ok(existsSync(join(work, "inside.txt")));
    assert.ok(!existsSync(join(state, "outside")));
    assert.doesNotMatch(result.content, /CANARY|WROTE/);
    const [status, outside, session, key] = result.content.split("\n");
    assert.deepEqual([status, outside, session], ["exit code 0", "EROFS", "ENOENT"]);
    assert.match(key ?? "", /^(EMPTY|EACCES)$/, "the config file reads as nothing");
  });

  test("no network: a server on this machine's loopback cannot be reached", async () => {
    const server = createServer((_request, response) => response.end("REACHED"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const script = `fetch("http://127.0.0.1:${port}/").then((r) => r.text()).then(console.log, (error) => console.log("refused", error.cause?.code ?? error.message))`;
      const result = await exec.run({ command: "node", args: ["-e", script] }, context(node("", { sandbox: "require" })));
      assert.match(result.content, /refused ECONNREFUSED/);
      assert.doesNotMatch(result.content, /REACHED/);
    } finally {
      server.close();
    }
  });

  test("a missing program or folder is still an error that says so", async () => {
    const program = await exec.run({ command: "hearth-no-such-program" }, context({ commands: ["hearth-no-such-program"], cwd: work }));
    assert.match(program.content, /^hearth-no-such-program: not found \(is hearth-no-such-program installed and on PATH/);
    const folder = await exec.run({ command: "node" }, context({ commands: ["node"], cwd: join(work, "does-not-exist") }));
    assert.match(folder.content, /^node: not found .*does-not-exist exist\?\)$/);
  });

  test("the status says exec is sandboxed", async () => {
    assert.equal((await execSandboxStatus("auto", probe)).sandboxed, true);
  });
});

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { EXEC_LIMITS } from "../../../src/agent/tools/exec/resource-limits.js";
import { execSandboxStatus, SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import { unixSocketFilter } from "../../../src/agent/tools/exec/seccomp-filter.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

// What the sandbox reaches besides files: Unix socket files, the home folder, memory, disk and processes.
const probe = new SandboxProbe();
const support = await probe.support();
const has = (program: string) => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;

// Outside /tmp (the sandbox's own /tmp hides everything there already): /var/tmp, as a real home would be.
let root = "";
let home = "";
let work = "";
let state = "";
let listener: Server | undefined;
let socketPath = "";
const heard: string[] = [];
before(async () => {
  root = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "hearth-reach-"));
  home = join(root, "home");
  work = join(home, "project");
  state = join(home, ".hearth");
  mkdirSync(work, { recursive: true });
  mkdirSync(state);
  mkdirSync(join(home, ".ssh"));
  mkdirSync(join(home, "notes"));
  writeFileSync(join(home, ".bashrc"), "export ANTHROPIC_API_KEY=RC-CANARY\n");
  writeFileSync(join(home, ".ssh", "id_ed25519"), "SSH-CANARY\n");
  writeFileSync(join(home, "notes", "todo.txt"), "NOTES-CANARY\n");
  writeFileSync(join(work, "readme.txt"), "hello from the project\n");
  // A socket where the sandbox can see the file: in its own working directory.
  socketPath = join(work, "agent.sock");
  listener = createServer((socket) => {
    socket.on("data", (data) => heard.push(data.toString()));
    socket.end("REACHED");
  });
  await new Promise<void>((resolve) => listener?.listen(socketPath, resolve));
});
after(() => {
  listener?.close();
  rmSync(root, { recursive: true, force: true });
});

const context = (settings: NonNullable<ToolSettings["exec"]>): ToolContext => ({ signal: new AbortController().signal, stateDir: state, settings: { exec: settings }, untrusted: (text) => text });
const sandboxed = (commands: string[], extra: Partial<NonNullable<ToolSettings["exec"]>> = {}) => context({ commands, cwd: work, allowUnknownOptions: true, sandbox: "require", ...extra });

test("the seccomp filter is made for the 64-bit architectures hearth knows, and for no other", () => {
  assert.equal(unixSocketFilter("x64")?.length, 8 * 20);
  assert.equal(unixSocketFilter("arm64")?.length, 8 * 18);
  assert.equal(unixSocketFilter("ia32"), undefined);
});

// The account's own home is this test's home too: the machine's real one, which the sandbox would hide as well, holds programs run here (pyenv's python3).
describe("inside bubblewrap", { skip: support.kind === "none" ? `no OS sandbox here: ${support.reason}` : false }, () => {
  const exec = createExecTool({ probe, home, accountHome: home, hiddenFiles: [] });

  test("the probe loads the seccomp filter on this machine, and sizes /tmp", () => {
    assert.equal(support.kind, "bwrap");
    if (support.kind === "bwrap") {
      assert.ok(support.filter, `hearth has a filter for ${process.arch}`);
      assert.equal(support.sizedTmp, true);
    }
  });

  test("where hearth has no filter the sandbox still runs, and its status says socket files are reachable", async () => {
    const unfiltered = new SandboxProbe({ arch: "ia32" });
    const found = await unfiltered.support();
    assert.deepEqual(found.kind === "bwrap" ? [found.filter, found.sizedTmp] : found, [undefined, true]);
    assert.match((await execSandboxStatus("auto", unfiltered)).summary, /no network, but Unix socket files on disk reachable \(no seccomp filter: none made for /);
    assert.match((await execSandboxStatus("auto", probe)).summary, /no network or Unix sockets, no new privileges, your home folder \(but the working directory\), \/run, the state dir/);
  });

  test("a Unix socket file is unreachable (node), though the file is in plain view", async () => {
    const script = `const net = require("net"); const fs = require("fs");
      console.log(fs.statSync(process.argv[1]).isSocket() ? "SEEN" : "UNSEEN");
      const s = net.connect(process.argv[1]); s.on("data", (d) => console.log(String(d))); s.on("error", (e) => console.log("refused", e.code)); s.write("from node");`;
    const result = await exec.run({ command: "node", args: ["-e", script, socketPath] }, sandboxed(["node"]));
    assert.match(result.content, /SEEN\nrefused EACCES/);
    assert.doesNotMatch(result.content, /REACHED/);
    assert.deepEqual(heard, []);
  });

  test("python3 cannot connect either, nor send datagrams to a path; its other sockets and plain work go on", { skip: has("python3") ? false : "no python3" }, async () => {
    const script = [
      "import socket, subprocess",
      "try:\n s = socket.socket(socket.AF_UNIX); s.connect(%r); print('CONNECTED', s.recv(10))\nexcept OSError as e: print('unix', e.errno)",
      "try:\n d, _ = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM); d.sendto(b'x', %r); print('SENT')\nexcept OSError as e: print('dgram', e.errno)",
      "a, b = socket.socketpair(); a.send(b'pair'); print(b.recv(4).decode())",
      "socket.socket(socket.AF_INET); print('inet made')",
      "print(subprocess.run(['grep', '-c', 'hello', 'readme.txt'], capture_output=True, text=True).stdout.strip())",
    ]
      .join("\n")
      .replace(/%r/g, JSON.stringify(socketPath));
    const result = await exec.run({ command: "python3", args: ["-c", script] }, sandboxed(["python3"]));
    assert.equal(result.content, "exit code 0\nunix 13\ndgram 13\npair\ninet made\n1");
    assert.deepEqual(heard, []);
  });

  test("ordinary programs still work: git and grep", async () => {
    const init = await exec.run({ command: "git", args: ["ls-files"] }, sandboxed(["git"]));
    assert.match(init.content, /^exit code 128\n.*not a git repository/);
    const grep = await exec.run({ command: "grep", args: ["-r", "hello", "."] }, sandboxed(["grep"]));
    assert.equal(grep.content, "exit code 0\n./readme.txt:hello from the project");
  });

  test("the home folder is empty but for the working directory; the shell files, ~/.ssh and other folders are not there", async () => {
    const result = await exec.run({ command: "ls", args: ["-A", home, join(home, "project")] }, sandboxed(["ls"]));
    assert.match(result.content, new RegExp(`^exit code 0\\n${home}:\\nproject\\n\\n${home}/project:\\nagent.sock\\nreadme.txt`));
    const read = await exec.run({ command: "cat", args: [join(home, ".bashrc"), join(home, ".ssh", "id_ed25519"), join(home, "notes", "todo.txt")] }, sandboxed(["cat"]));
    assert.doesNotMatch(read.content, /CANARY/);
    assert.equal(read.content.match(/No such file or directory/g)?.length, 3, read.content);
  });

  test("with the home folder as working directory, the home folder shows but its credential places do not", async () => {
    const result = await exec.run({ command: "cat", args: [".bashrc", ".ssh/id_ed25519", "notes/todo.txt"] }, sandboxed(["cat"], { cwd: home }));
    assert.match(result.content, /NOTES-CANARY/);
    assert.doesNotMatch(result.content, /RC-CANARY|SSH-CANARY/);
    const listing = await exec.run({ command: "ls", args: ["-A", ".ssh", ".hearth"] }, sandboxed(["ls"], { cwd: home }));
    assert.equal(listing.content, "exit code 0\n.hearth:\n\n.ssh:");
  });

  test("/tmp is bounded: a file larger than it fails with ENOSPC, a small one fits", { skip: has("fallocate") ? false : "no fallocate" }, async () => {
    const big = await exec.run({ command: "fallocate", args: ["-l", "600M", "/tmp/big"] }, sandboxed(["fallocate"]));
    assert.match(big.content, /^exit code 1\n.*No space left on device/);
    const small = await exec.run({ command: "fallocate", args: ["-l", "1M", "/tmp/small"] }, sandboxed(["fallocate"]));
    assert.equal(small.content, "exit code 0\n(no output)");
  });

  test("processes are limited in the sandbox", { skip: has("python3") ? false : "no python3" }, async () => {
    const result = await exec.run({ command: "python3", args: ["-c", "import resource; print(resource.getrlimit(resource.RLIMIT_NPROC))"] }, sandboxed(["python3"]));
    assert.equal(result.content, `exit code 0\n(${EXEC_LIMITS.processes}, ${EXEC_LIMITS.processes})`);
  });

  // The kernel does not hold root to RLIMIT_NPROC (CI runs as root): the loop itself runs for other users.
  test("a fork loop stops at the process limit", { skip: !has("python3") ? "no python3" : process.getuid?.() === 0 ? "root is not held to RLIMIT_NPROC" : false }, async () => {
    const script = "import os, time\nn = 0\ntry:\n while n < 1000:\n  if os.fork() == 0:\n   time.sleep(20); os._exit(0)\n  n += 1\nexcept OSError as e: print('stopped', e.errno, flush=True)\nprint('forked', 'under' if n < 300 else 'over', 300, flush=True)\nos._exit(0)";
    const result = await exec.run({ command: "python3", args: ["-c", script] }, sandboxed(["python3"]));
    assert.equal(result.content, "exit code 0\nstopped 11\nforked under 300");
  });
});

describe("memory", { skip: has("prlimit") ? false : "no prlimit here" }, () => {
  // The t2 finding: `tail -n1 /dev/zero` keeps the whole endless line; a limit ends it with an error, long before the time limit.
  for (const mode of ["off", "auto"] as const) {
    test(`one endless line ends at the data limit, not at the time limit (sandbox ${mode})`, async () => {
      const exec = createExecTool({ probe, home, accountHome: home, hiddenFiles: [] });
      const result = await exec.run({ command: "tail", args: ["-n1", "/dev/zero"] }, context({ commands: ["tail"], cwd: work, sandbox: mode, timeoutSeconds: 600 }));
      assert.match(result.content, /^exit code 1\n.*tail: memory exhausted$/);
      assert.equal(result.isError, true);
    });
  }

  test("the limits are in place for a program outside the sandbox too", async () => {
    const exec = createExecTool({ probe, home, accountHome: home, hiddenFiles: [] });
    const shown = await exec.run({ command: "sh", args: ["-c", "ulimit -d; ulimit -f"] }, context({ commands: ["sh"], cwd: work, sandbox: "off", allowUnknownOptions: true }));
    assert.equal(shown.content, `exit code 0\n${EXEC_LIMITS.dataBytes / 1024}\n${EXEC_LIMITS.fileBytes / 512}`);
    const ownLimit = execFileSync("sh", ["-c", "ulimit -d"]).toString().trim();
    assert.notEqual(ownLimit, String(EXEC_LIMITS.dataBytes / 1024), "hearth's own limits are untouched");
  });
});

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { runProgram } from "../../../src/agent/tools/exec/run-program.js";
import { sandboxed, SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * The seven escapes of issue 9, against the real programs: each ran a command (here: touch a marker
 * file outside the working directory) through an allowed git, tar or sed. The control case shows each
 * one works when nothing stands in the way, so the guarded and sandboxed cases can fail.
 */
// Asked before any hook is registered: the suites below are declared knowing the answer.
const probe = new SandboxProbe();
const support = await probe.support();

let root = "";
let work = "";
let marker = "";
/** The command each escape runs: a file in the working directory (shows it ran) and the marker outside it. */
const touch = () => `touch ${join(work, "ran")} ${marker}`;
const escapes: { name: string; program: string; args: () => string[] }[] = [
  { name: "git ls-remote --upload-pac=CMD (abbreviation)", program: "git", args: () => ["ls-remote", `--upload-pac=${touch()}`, "."] },
  { name: "git clone -u CMD", program: "git", args: () => ["clone", "-u", touch(), ".", "cloned"] },
  { name: "git difftool -x CMD", program: "git", args: () => ["difftool", "-y", "-x", touch()] },
  { name: "git grep -OCMD", program: "git", args: () => ["grep", `-O${touch()}`, "hello"] },
  { name: "tar --to-com=CMD (abbreviation)", program: "tar", args: () => ["-xf", "a.tar", `--to-com=${touch()}`] },
  { name: "tar --checkpoint-act=exec=CMD (abbreviation)", program: "tar", args: () => ["-cf", "b.tar", "--checkpoint=1", `--checkpoint-act=exec=${touch()}`, "a.txt"] },
  { name: "sed '1e CMD'", program: "sed", args: () => [`1e ${touch()}`, "a.txt"] },
];

const git = (...args: string[]) => execFileSync("git", args, { cwd: work, stdio: "ignore", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" } });

before(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-escape-"));
  work = join(root, "work");
  mkdirSync(work);
  marker = join(root, "escaped");
  writeFileSync(join(work, "a.txt"), "hello\n");
  git("init", "-q");
  git("add", "a.txt");
  git("commit", "-qm", "one");
  writeFileSync(join(work, "a.txt"), "hello again\n");
  execFileSync("tar", ["-cf", "a.tar", "a.txt"], { cwd: work });
});
after(() => rmSync(root, { recursive: true, force: true }));

function reset(): void {
  rmSync(marker, { force: true });
  rmSync(join(work, "ran"), { force: true });
  rmSync(join(work, "cloned"), { recursive: true, force: true });
  rmSync(join(work, "b.tar"), { force: true });
}

const context = (settings: ToolSettings): ToolContext => ({ signal: new AbortController().signal, stateDir: join(root, "state"), settings, untrusted: (text) => text });

describe("control: with nothing in the way, each escape runs its command", () => {
  for (const escape of escapes) {
    test(escape.name, () => {
      reset();
      spawnSync(escape.program, escape.args(), { cwd: work, stdio: "ignore", timeout: 20_000 });
      assert.ok(existsSync(marker), "the escape works on this machine, so the cases below can fail");
    });
  }
});

describe("the argument guard alone (tools.exec.sandbox: off) refuses each escape", () => {
  const exec = createExecTool();
  for (const escape of escapes) {
    test(escape.name, async () => {
      reset();
      const result = await exec.run({ command: escape.program, args: escape.args() }, context({ exec: { commands: ["git", "tar", "sed"], cwd: work, sandbox: "off" } }));
      assert.equal(result.isError, true);
      assert.match(result.content, /is not allowed with (git|tar|sed): /);
      assert.ok(!existsSync(marker), result.content);
    });
  }
});

describe("the sandbox alone confines each escape: the command runs, but cannot write outside the working directory", { skip: support.kind === "none" ? `no OS sandbox here: ${support.kind === "none" ? support.reason : ""}` : false }, () => {
  for (const escape of escapes) {
    test(escape.name, async () => {
      reset();
      if (support.kind === "none") return;
      // The guard is bypassed on purpose: the program gets the escaping arguments as they are.
      const command = sandboxed(support, { program: (execFileSync("sh", ["-c", `command -v ${escape.program}`]) as Buffer).toString().trim(), args: escape.args(), cwd: work, hidden: [join(root, "state")] });
      const run = await runProgram({ ...command, cwd: work, env: { PATH: process.env.PATH ?? "", HOME: root }, timeoutMs: 20_000, maxOutputChars: 20_000, signal: new AbortController().signal });
      assert.equal(run.timedOut, false, JSON.stringify(run));
      assert.ok(existsSync(join(work, "ran")), `the escaping command ran inside the sandbox: ${run.output}`);
      assert.ok(!existsSync(marker), run.output);
    });
  }

  test("guard and sandbox together: refused before anything runs", async () => {
    reset();
    const result = await createExecTool({ probe }).run({ command: "sed", args: [`1e ${touch()}`, "a.txt"] }, context({ exec: { commands: ["sed"], cwd: work, sandbox: "require" } }));
    assert.match(result.content, /^"1e touch .*" is not allowed with sed: the e command runs a shell command$/);
    assert.ok(!existsSync(marker));
  });
});

/**
 * The trial's path escapes: a symlink inside the working directory leads anywhere, so paths are
 * followed on the file system, not read as text. The control case shows each reaches outside.
 */
describe("paths that decide where a program works are followed through symlinks (sandbox off)", () => {
  let outside = "";
  const settings = (commands: string[]): ToolSettings => ({ exec: { commands, cwd: work, sandbox: "off" } });
  const run = (program: string, args: string[]) => createExecTool().run({ command: program, args }, context(settings([program])));
  before(() => {
    outside = join(root, "outside");
    mkdirSync(join(outside, "out"), { recursive: true });
    execFileSync("git", ["init", "-q"], { cwd: outside });
    // As `tar -xf` of an archive holding proc/self/root left it: a link in the workspace to anywhere.
    mkdirSync(join(work, "proc/self"), { recursive: true });
    symlinkSync(outside, join(work, "proc/self/root"));
    mkdirSync(join(work, "sub"), { recursive: true });
  });

  test("control: through the link, tar writes outside the working directory", () => {
    execFileSync("tar", ["-cf", "proc/self/root/out/control.tar", "a.txt"], { cwd: work });
    assert.ok(existsSync(join(outside, "out/control.tar")));
  });

  test("tar -f and -C through a link (and after a -C inside) are refused; inside, they run", async () => {
    for (const args of [["-cf", "proc/self/root/out/c.tar", "a.txt"], ["-c", "-f", "c.tar", "-C", "proc/self/root", "."], ["-c", "-C", "proc", "-C", "self/root/out", "-f", "-", "."], ["tf", "proc/self/../self/root/out/control.tar"]]) {
      const result = await run("tar", args);
      assert.equal(result.isError, true, JSON.stringify(args));
      assert.match(result.content, /is not allowed with tar: it leads outside the working directory \(to .*outside.*, symlinks followed\)/, JSON.stringify(args));
    }
    assert.ok(!existsSync(join(outside, "out/c.tar")));
    writeFileSync(join(work, "sub", "f.txt"), "in sub\n");
    const inside = await run("tar", ["-cf", "sub/c.tar", "-C", "sub", "f.txt"]);
    assert.equal(inside.isError, false, inside.content);
    assert.ok(existsSync(join(work, "sub/c.tar")));
  });

  test("tar -x is refused without the sandbox: an archive's own links could send members anywhere", async () => {
    for (const args of [["-xf", "a.tar"], ["xf", "a.tar"], ["--extract", "--file=a.tar"]]) {
      const result = await run("tar", args);
      assert.equal(result.isError, true);
      assert.match(result.content, /is not allowed with tar: extracting needs the OS sandbox/);
    }
    assert.equal((await run("tar", ["-tf", "a.tar"])).isError, false, "listing still runs");
  });

  test("git -C reaches another repository as --git-dir does: outside (by path or link) refused, inside runs", async () => {
    for (const directory of [outside, "proc/self/root", "sub/../proc/self/root"]) {
      const result = await run("git", ["-C", directory, "status"]);
      assert.equal(result.isError, true, directory);
      assert.match(result.content, /is not allowed with git: it leads outside the working directory/, directory);
    }
    const chained = await run("git", ["-C", "sub", "-C", "..", "-C", "proc/self/root", "status"]);
    assert.match(chained.content, /^"proc\/self\/root" is not allowed with git: it leads outside/);
    const cloneThroughLink = await run("git", ["clone", ".", "proc/self/root/out/cloned"]);
    assert.match(cloneThroughLink.content, /is not allowed with git: it leads outside/);
    assert.ok(!existsSync(join(outside, "out/cloned")));
    const inside = await run("git", ["-C", "sub", "status", "--short"]);
    assert.equal(inside.isError, false, inside.content);
    // The working directory itself holds the link out: git is given it, but reads a link as a link (never
    // through it), so it runs — and shows the link as an untracked folder entry, nothing of the repository it leads to.
    for (const directory of [work, "."]) {
      const result = await run("git", ["-C", directory, "status", "--short", "--untracked-files=all"]);
      assert.match(result.content, /^exit code 0\n/, directory);
      assert.match(result.content, /\?\? proc\/self\/root$/m, directory);
      assert.doesNotMatch(result.content, /out\//, directory);
    }
    // A path git is given that leads out through the link is still refused.
    const throughLink = await run("git", ["-C", ".", "diff", "--no-index", "proc/self/root/x", "a.txt"]);
    assert.match(throughLink.content, /^"proc\/self\/root\/x" is not allowed with git: proc\/self\/root\/x is a symlink to .*outside\/x, outside the working directory/);
  });
});

/** A repository around the working directory (a home kept in git): git must not climb out of the workspace to it. */
describe("git does not look for a repository above the working directory", () => {
  let parent = "";
  let workspace = "";
  before(() => {
    parent = join(root, "home-in-git");
    workspace = join(parent, "workspace");
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(parent, "private-notes.txt"), "outside the workspace\n");
    execFileSync("git", ["init", "-q"], { cwd: parent });
    execFileSync("git", ["add", "private-notes.txt"], { cwd: parent });
  });

  test("control: plain git in the workspace finds the repository around it", () => {
    assert.match(execFileSync("git", ["status", "--short"], { cwd: workspace, encoding: "utf8" }), /private-notes\.txt/);
  });

  for (const sandbox of ["off", "auto"] as const) {
    test(`through exec (sandbox ${sandbox}): not a git repository, and nothing of the one around it is shown`, async () => {
      const result = await createExecTool({ probe }).run({ command: "git", args: ["status", "--short"] }, context({ exec: { commands: ["git"], cwd: workspace, sandbox } }));
      assert.doesNotMatch(result.content, /private-notes/);
      assert.match(result.content, /not a git repository/);
    });
  }

  test("a repository of its own inside the workspace still works", async () => {
    const own = join(workspace, "project");
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, "readme.md"), "mine\n");
    execFileSync("git", ["init", "-q"], { cwd: own });
    execFileSync("git", ["add", "readme.md"], { cwd: own });
    const result = await createExecTool({ probe }).run({ command: "git", args: ["-C", "project", "ls-files"] }, context({ exec: { commands: ["git"], cwd: workspace, sandbox: "off" } }));
    assert.equal(result.isError, false, result.content);
    assert.match(result.content, /readme\.md/);
  });
});

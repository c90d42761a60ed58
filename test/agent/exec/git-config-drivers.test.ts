import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * An attack run's finding (t2 #1): git runs the programs its config names — a textconv driver for
 * `git log -p`, `diff.external` and a filter's `clean` for `git diff`, core.fsmonitor, hooks — and a
 * model that can copy files (`cp`, `mv`) could write that config into a cloned repository's `.git`.
 * Run for real (a real git, a real repository, through exec), with and without the sandbox: nothing
 * exec runs writes into a `.git` (however the path is spelled or linked), git reads neither the
 * system's nor the user's config, and a repository whose config already names a program is refused
 * at the moment git would use it. Each control shows the driver runs when nothing stands in the way.
 */
const probe = new SandboxProbe();
const support = await probe.support();
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_CONFIG_NOSYSTEM: "1" };

let root = "";
let state = "";
let evil = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-git-drivers-"));
  state = join(root, "state");
  mkdirSync(state);
  // The repository a model clones: attributes that name drivers, a config that defines them (to be copied into .git),
  // a link to its own .git, and a link to a .git file that does not exist yet (commondir: git reads config from where it points).
  evil = join(root, "evil");
  execFileSync("git", ["init", "-q", evil]);
  writeFileSync(join(evil, ".gitattributes"), "*.txt diff=x filter=x\n");
  writeFileSync(join(evil, "a.txt"), "one\n");
  mkdirSync(join(evil, "sub"));
  symlinkSync("../.git", join(evil, "sub", "l"));
  symlinkSync("../.git/commondir", join(evil, "sub", "d"));
  execFileSync("git", ["add", "."], { cwd: evil, env: gitEnv });
  execFileSync("git", ["commit", "-qm", "one"], { cwd: evil, env: gitEnv });
  writeFileSync(join(evil, "a.txt"), "two\n");
  execFileSync("git", ["commit", "-qam", "two"], { cwd: evil, env: gitEnv });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A config whose every driver leaves a file named for it in `markers` (a folder the sandbox lets it write). */
function evilConfig(markers: string): string {
  const touch = (name: string) => `touch '${join(markers, name)}'`;
  return [
    "[core]", "\trepositoryformatversion = 0", "\tbare = false", `\tfsmonitor = ${touch("fsmonitor")}; false`,
    '[diff "x"]', `\ttextconv = ${touch("textconv")}; cat`,
    "[diff]", `\texternal = ${touch("external")}; true`,
    '[filter "x"]', `\tclean = ${touch("clean")}; cat`, `\tsmudge = ${touch("smudge")}; cat`,
    "",
  ].join("\n");
}
const DRIVERS = ["textconv", "external", "clean", "fsmonitor"];

const modes = [
  { name: "without the sandbox", sandbox: "off" as const, skip: false as const },
  { name: "inside the sandbox", sandbox: "require" as const, skip: support.kind === "none" ? `no OS sandbox here: ${support.reason}` : (false as const) },
];

for (const mode of modes) {
  describe(`a repository's config cannot be made to run programs, ${mode.name}`, { skip: mode.skip }, () => {
    let work = "";
    let markers = "";
    const exec = createExecTool({ probe, hiddenFiles: [] });
    const run = async (command: string, args: string[]) => {
      const context: ToolContext = { signal: new AbortController().signal, stateDir: state, settings: { exec: { commands: ["git", "cp", "mv", "ln", "tar"], cwd: work, sandbox: mode.sandbox } }, untrusted: (text) => text };
      return exec.run({ command, args }, context);
    };
    const ran = () => DRIVERS.filter((name) => existsSync(join(markers, name)));
    before(() => {
      work = join(root, `work-${mode.sandbox}`);
      markers = join(work, "markers");
      mkdirSync(markers, { recursive: true });
      writeFileSync(join(work, "evil.cfg"), evilConfig(markers));
      // Inside the working directory: the sandbox's /tmp is its own.
      execFileSync("cp", ["-a", evil, join(work, "evil")]);
    });

    test("control: plain git with that config runs every driver", () => {
      execFileSync("git", ["clone", "-q", evil, "control"], { cwd: work, env: gitEnv });
      writeFileSync(join(work, "control", ".git", "config"), evilConfig(markers));
      writeFileSync(join(work, "control", "a.txt"), "three\n");
      spawnSync("git", ["-C", "control", "log", "-p", "-2"], { cwd: work, env: gitEnv, stdio: "ignore" });
      spawnSync("git", ["-C", "control", "diff"], { cwd: work, env: gitEnv, stdio: "ignore" });
      spawnSync("git", ["-C", "control", "status"], { cwd: work, env: { ...gitEnv, GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "core.untrackedCache", GIT_CONFIG_VALUE_0: "false" }, stdio: "ignore" });
      assert.deepEqual(ran().sort(), [...DRIVERS].sort(), "the drivers run on this machine, so the cases below can fail");
      rmSync(markers, { recursive: true, force: true });
      mkdirSync(markers);
    });

    test("t2's chain: clone, then cp the config into .git — refused, and git log -p / git diff run no driver", async () => {
      const clone = await run("git", ["clone", "-q", "evil", "r2"]);
      assert.equal(clone.isError, false, clone.content);
      const copied = await run("cp", ["evil.cfg", "r2/.git/config"]);
      assert.match(copied.content, /is not allowed with cp: it leads into a repository's \.git folder/);
      writeFileSync(join(work, "r2", "a.txt"), "three\n");
      for (const args of [["-C", "r2", "log", "-p", "-2"], ["-C", "r2", "diff"], ["-C", "r2", "status"], ["-C", "r2", "show"]]) {
        const result = await run("git", args);
        assert.equal(result.isError, false, result.content);
      }
      assert.deepEqual(ran(), []);
      assert.doesNotMatch(readFileSync(join(work, "r2", ".git", "config"), "utf8"), /textconv/);
    });

    test("every other way into .git is refused: a link the clone carried, a link to a file not there yet, mv, ln, a clone into .git, another spelling", async () => {
      if (mode.sandbox === "off") {
        // Without the sandbox a clone writes links as small text files (core.symlinks=false); here the links are as a clone in the sandbox left them.
        for (const [name, target] of [["l", "../.git"], ["d", "../.git/commondir"]] as const) {
          const path = join(work, "r2", "sub", name);
          assert.equal(lstatSync(path).isSymbolicLink(), false);
          rmSync(path);
          symlinkSync(target, path);
        }
      }
      const attempts: [string, string[]][] = [
        ["cp", ["evil.cfg", "r2/sub/l/config"]],
        ["cp", ["evil.cfg", "r2/sub/d"]],
        ["mv", ["evil.cfg", "r2/.git/config"]],
        ["cp", ["evil.cfg", "r2/.git/hooks/post-checkout"]],
        ["ln", ["evil.cfg", "r2/.git/config.worktree"]],
        ["ln", ["r2/sub/l", "gitdir"]],
        ["cp", ["evil.cfg", "r2/.GIT/config"]],
        ["cp", ["evil.cfg", "r2/.git./config"]],
        ["git", ["clone", "-q", "evil", "r2/.git/modules/x"]],
        ["tar", ["-cf", "r2/.git/config", "evil.cfg"]],
      ];
      for (const [command, args] of attempts) {
        const result = await run(command, args);
        // ln makes no link at all with no sandbox (check-links.ts), before the .git check is reached.
        assert.match(result.content, command === "ln" && mode.sandbox === "off" ? /it makes a link; with no sandbox exec makes none/ : /it leads into a repository's \.git folder/, `${command} ${args.join(" ")}: ${result.content}`);
      }
      assert.ok(!existsSync(join(work, "r2", ".git", "commondir")));
      assert.deepEqual(ran(), []);
    });

    test("tar extracts no .git (in any case) from an archive, in the traditional form or not; with no sandbox it extracts nothing", async () => {
      const packed = join(root, `packed-${mode.sandbox}`);
      execFileSync("git", ["clone", "-q", evil, join(packed, "r")], { env: gitEnv });
      writeFileSync(join(packed, "r", ".git", "config"), evilConfig(markers));
      mkdirSync(join(packed, "r", ".GIT"));
      writeFileSync(join(packed, "r", ".GIT", "config"), evilConfig(markers));
      execFileSync("tar", ["-cf", join(work, "evil.tar"), "-C", packed, "r"]);
      for (const [index, args] of [["-xf", "evil.tar", "-C", "out0"], ["xf", "evil.tar", "-C", "out1"], ["-x", "--file=evil.tar", "--no-wildcards", "--directory=out2"]].entries()) {
        mkdirSync(join(work, `out${index}`));
        const result = await run("tar", args);
        if (mode.sandbox === "off") {
          assert.match(result.content, /is not allowed with tar: extracting needs the OS sandbox/);
          continue;
        }
        assert.equal(result.isError, false, result.content);
        assert.ok(existsSync(join(work, `out${index}`, "r", "a.txt")), args.join(" "));
        assert.ok(!existsSync(join(work, `out${index}`, "r", ".git")) && !existsSync(join(work, `out${index}`, "r", ".GIT")), args.join(" "));
      }
      assert.deepEqual(ran(), []);
    });

    test("a repository whose config already names a program (written some other way) is refused when git would use it", async () => {
      execFileSync("git", ["clone", "-q", evil, "planted"], { cwd: work, env: gitEnv });
      writeFileSync(join(work, "planted", ".git", "config"), evilConfig(markers));
      for (const args of [["-C", "planted", "log", "-p"], ["-C", "planted", "diff"], ["-C", "planted/sub", "status"]]) {
        const result = await run("git", args);
        assert.match(result.content, /is not allowed with git: the repository's config \(.*\.git\/config\) sets (core\.fsmonitor|diff\.x\.textconv|diff\.external), which makes git start a program/, result.content);
      }
      // An include, and a commondir leading to another config, are read as git reads them.
      writeFileSync(join(work, "planted", ".git", "config"), `[include]\n\tpath = ${join(work, "evil.cfg")}\n`);
      assert.match((await run("git", ["-C", "planted", "diff"])).content, /sets core\.fsmonitor/);
      assert.deepEqual(ran(), []);
    });
  });
}

describe("git reads neither the system's nor the user's config", () => {
  test("a textconv, a smudge filter and a template's hook from ~/.gitconfig (which exec could write with no sandbox) do not run", async () => {
    const home = join(root, "home");
    const work = join(root, "home-work");
    const markers = join(work, "markers");
    const templates = join(root, "templates");
    mkdirSync(markers, { recursive: true });
    mkdirSync(join(templates, "hooks"), { recursive: true });
    writeFileSync(join(templates, "hooks", "post-checkout"), `#!/bin/sh\ntouch '${join(markers, "hook")}'\n`, { mode: 0o755 });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".gitconfig"), `${evilConfig(markers).replace(/\[core\][^[]*/, "")}[init]\n\ttemplateDir = ${templates}\n`);
    const expected = ["hook", "smudge", "textconv"];
    const ran = () => expected.filter((name) => existsSync(join(markers, name)));
    spawnSync("git", ["clone", "-q", evil, "control"], { cwd: work, env: { ...gitEnv, HOME: home }, stdio: "ignore" });
    spawnSync("git", ["-C", "control", "log", "-p", "-2"], { cwd: work, env: { ...gitEnv, HOME: home }, stdio: "ignore" });
    assert.deepEqual(ran(), expected, "control: git reads ~/.gitconfig");
    rmSync(markers, { recursive: true });
    mkdirSync(markers);
    const context: ToolContext = { signal: new AbortController().signal, stateDir: state, settings: { exec: { commands: ["git"], cwd: work, sandbox: "off" } }, untrusted: (text) => text };
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      const exec = createExecTool({ home });
      const clone = await exec.run({ command: "git", args: ["clone", "-q", evil, "r"] }, context);
      assert.equal(clone.isError, false, clone.content);
      const log = await exec.run({ command: "git", args: ["-C", "r", "log", "-p", "-2"] }, context);
      assert.equal(log.isError, false, log.content);
      assert.match(log.content, /\+two/);
    } finally {
      process.env.HOME = saved;
    }
    assert.deepEqual(ran(), []);
  });
});

test("the config keys that start a program, and ones that do not", async () => {
  const { startsProgram } = await import("../../../src/agent/tools/exec/git-launch-settings.js");
  for (const key of ["diff.x.textconv", "diff.external", "filter.lfs.process", "filter.x.clean", "filter.x.smudge", "core.fsmonitor", "core.hookspath", "core.pager", "core.editor", "core.sshcommand", "alias.st", "credential.https://a.b.helper", "gpg.ssh.program", "log.showsignature", "pretty.mine", "format.pretty", "submodule.s.update", "merge.x.driver", "hook.pre-commit.command", "pager.log"]) {
    assert.equal(startsProgram(key), true, key);
  }
  for (const key of ["core.bare", "core.repositoryformatversion", "user.name", "remote.origin.url", "branch.main.merge", "diff.x.binary", "core.worktree", "include.path"]) {
    assert.equal(startsProgram(key), false, key);
  }
});

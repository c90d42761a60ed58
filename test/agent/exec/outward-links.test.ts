import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { devNull, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * The t10 trial's findings, run for real: with no sandbox, exec acted through symlinks a cloned
 * repository (or the user's own project) holds — `cp FILE DIR` wrote through `DIR/FILE` into the config,
 * `diff DIR1 DIR2` read SSH keys through links inside the folders — and the sandbox hid $HOME but not
 * the account's own home.
 */
// Outside /tmp (the sandbox's own /tmp would hide everything there already), as a real home would be.
const root = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "hearth-outward-links-"));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, "home");
const state = join(home, ".hearth");
const workspace = join(state, "workspace");
const configFile = join(state, "hearth.json5");
const envFile = join(state, "gateway.env");
const sshKey = join(home, ".ssh", "id_ed25519");
const outside = join(root, "outside.txt");
const CONFIG = "{ agents: { list: [{ id: 'nobox', tools: { exec: { commands: ['cp'], sandbox: 'off' } } }] } }\n";
mkdirSync(join(home, ".ssh"), { recursive: true });
mkdirSync(workspace, { recursive: true });
writeFileSync(configFile, CONFIG);
writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=gwtok-canary\n");
writeFileSync(sshKey, "SSH-KEY-CANARY\n");
writeFileSync(outside, "OUTSIDE-CANARY\n");

// The attacker's repository, a local bare one (an https URL clones the same): from `y/` inside the
// workspace, `c` leads to the config and `k` to the SSH key; `p/c` is a config with `sh` and no sandbox.
const attacker = join(root, "attacker.git");
const source = join(root, "attacker-src");
const git = (args: string[], cwd: string) => execFileSync("git", ["-c", "user.name=a", "-c", "user.email=a@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: "1" } });
mkdirSync(join(source, "p"), { recursive: true });
mkdirSync(join(source, "b"));
symlinkSync("../../hearth.json5", join(source, "c"));
symlinkSync("../../../.ssh/id_ed25519", join(source, "k"));
writeFileSync(join(source, "b", "k"), "");
writeFileSync(join(source, "p", "c"), "{ commands: ['sh'], sandbox: 'off' }\n");
git(["init", "-q"], source);
git(["add", "-A"], source);
git(["commit", "-qm", "x"], source);
git(["clone", "-q", "--bare", source, attacker], root);

const exec = createExecTool({ home, hiddenFiles: [configFile, envFile] });
const context = (settings: Partial<NonNullable<ToolSettings["exec"]>> = {}): ToolContext => ({
  signal: new AbortController().signal,
  stateDir: state,
  settings: { exec: { commands: ["git", "cp", "diff", "cat", "ls", "find", "grep", "rg", "du", "ln", "tar"], sandbox: "off", ...settings } },
  untrusted: (text) => text,
});
const run = async (command: string, args: string[], settings: Partial<NonNullable<ToolSettings["exec"]>> = {}) => {
  const result = await exec.run({ command, args }, context(settings));
  return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
};
const CANARY = /CANARY/;

describe("without a sandbox a clone brings no symlink, and links already there are not acted through", () => {
  test("a clone writes the repository's links as small text files: cp into the clone leaves the config as it was", async () => {
    assert.match(await run("git", ["clone", "-q", attacker, "y"]), /^exit code 0/);
    assert.equal(lstatSync(join(workspace, "y", "c")).isSymbolicLink(), false);
    assert.equal(readFileSync(join(workspace, "y", "c"), "utf8"), "../../hearth.json5");
    assert.match(await run("cp", ["y/p/c", "y"]), /^exit code 0/);
    assert.equal(readFileSync(configFile, "utf8"), CONFIG);
    assert.doesNotMatch(await run("diff", ["y", "y/b"]), CANARY);
  });

  // The user's own project may hold such links (made before, or by another program): here as a clone in the sandbox left them.
  mkdirSync(join(workspace, "own"));
  mkdirSync(join(workspace, "keys", "b"), { recursive: true });
  symlinkSync("../../hearth.json5", join(workspace, "own", "c"));
  symlinkSync("../../../.ssh/id_ed25519", join(workspace, "keys", "k"));
  symlinkSync(outside, join(workspace, "keys", "o"));
  writeFileSync(join(workspace, "keys", "b", "k"), "");
  writeFileSync(join(workspace, "c"), "{ commands: ['sh'] }\n");

  test("cp FILE DIR is refused when DIR holds a link out (here to the config, named), and the config stays", async () => {
    const output = await run("cp", ["c", "own"]);
    assert.match(output, /^"own" is not allowed with cp: own\/c is a symlink to .*hearth\.json5, where hearth keeps keys and conversations, outside the working directory; with no sandbox exec never acts through a link that leads out of it/);
    assert.equal(readFileSync(configFile, "utf8"), CONFIG);
  });

  test("diff DIR1 DIR2 is refused when a folder holds a link to the SSH key, or to any file outside", async () => {
    const output = await run("diff", ["keys", "keys/b"]);
    assert.match(output, /^"keys" is not allowed with diff: keys\/[ko] is a symlink to /);
    assert.doesNotMatch(output, CANARY);
    mkdirSync(join(workspace, "plain", "b"), { recursive: true });
    symlinkSync(outside, join(workspace, "plain", "o"));
    writeFileSync(join(workspace, "plain", "b", "o"), "");
    const unguarded = await run("diff", ["plain", "plain/b"]);
    assert.match(unguarded, /^"plain" is not allowed with diff: plain\/o is a symlink to .*outside\.txt, outside the working directory/);
    assert.doesNotMatch(unguarded, CANARY);
  });

  test("a path argument inside the working directory that leads out through a link is refused, whatever it leads to", async () => {
    const output = await run("cat", ["keys/o"]);
    assert.match(output, /^"keys\/o" is not allowed with cat: keys\/o is a symlink to .*outside\.txt, outside the working directory/);
    assert.doesNotMatch(output, CANARY);
  });

  test("a link to a folder inside is followed as a program would: a link out beyond it is found", async () => {
    mkdirSync(join(workspace, "chain", "b"), { recursive: true });
    mkdirSync(join(workspace, "other"));
    symlinkSync("../other", join(workspace, "chain", "l"));
    symlinkSync(outside, join(workspace, "other", "x"));
    const output = await run("diff", ["-r", "chain", "chain/b"], { allowUnknownOptions: true });
    assert.match(output, /^"chain" is not allowed with diff: other\/x is a symlink to .*outside\.txt/);
    assert.doesNotMatch(output, CANARY);
  });

  test("walks that leave the links they meet be (grep -r, rg, find, ls -R, du, tar -c) run beside a link out; those that follow them are refused", async () => {
    // A Python project's .venv/bin/python leads to the system's python: the review's s18 finding 7.
    const cwd = join(root, "project");
    mkdirSync(join(cwd, "src"), { recursive: true });
    writeFileSync(join(cwd, "a.txt"), "hello\n");
    symlinkSync(outside, join(cwd, "src", "leak"));
    for (const [command, args] of [["find", []], ["find", ["-name", "leak"]], ["grep", ["-r", "CANARY"]], ["grep", ["--directories=recurse", "-e", "CANARY"]], ["du", ["-a"]], ["ls", ["-R"]], ["ls", ["-R", "src"]], ["tar", ["-cf", "src.tar", "src"]]] as const) {
      const output = await run(command, [...args], { cwd });
      // grep -r finds nothing (exit code 1): it never reads what the link leads to. (rg, described alike, is not installed everywhere.)
      assert.match(output, /^exit code [01]/, `${command} ${args.join(" ")}`);
      assert.doesNotMatch(output, CANARY);
    }
    assert.match(await run("tar", ["-tvf", "src.tar"], { cwd }), /src\/leak -> .*outside\.txt/);
    // column and zcat write nothing but their output: no longer taken as programs whose writes exec cannot tell.
    execFileSync("gzip", ["-k", join(cwd, "a.txt")]);
    assert.match(await run("column", ["a.txt"], { cwd, commands: ["column"] }), /^exit code 0\nhello/);
    assert.match(await run("zcat", ["a.txt.gz"], { cwd, commands: ["zcat"] }), /^exit code 0\nhello/);
    for (const made of ["src.tar", "a.txt.gz"]) rmSync(join(cwd, made));
    for (const [command, args, refusal] of [
      ["grep", ["-R", "CANARY"], /^"-R" is not allowed with grep: it follows symlinks while walking folders/],
      ["find", ["-L", "src"], /^"-L" is not allowed with find: it follows symlinks/],
      ["ls", ["-RL", "src"], /^"src" is not allowed with ls: src\/leak is a symlink to .*outside\.txt, outside the working directory/],
      ["du", ["-L", "src"], /^"src" is not allowed with du: src\/leak is a symlink to .*outside\.txt, outside the working directory/],
      ["diff", ["-r", "src", "src"], /^"src" is not allowed with diff: src\/leak is a symlink to .*outside\.txt, outside the working directory/],
    ] as const) {
      const output = await run(command, [...args], { cwd, allowUnknownOptions: true });
      assert.match(output, refusal, `${command} ${args.join(" ")}`);
      assert.doesNotMatch(output, CANARY);
    }
    assert.match(await run("grep", ["hello", "a.txt"], { cwd }), /^exit code 0\nhello/);
    assert.match(await run("ls", [], { cwd }), /^exit code 0\na.txt\nsrc/);
    // Links that stay inside are fine.
    const clean = join(root, "inside");
    mkdirSync(join(clean, "d", "b"), { recursive: true });
    writeFileSync(join(clean, "d", "f"), "same\n");
    writeFileSync(join(clean, "d", "b", "l"), "same\n");
    symlinkSync("f", join(clean, "d", "l"));
    assert.match(await run("diff", ["d", "d/b"], { cwd: clean }), /^exit code 1\nOnly in d: b\nOnly in d/);
  });

  test("a pattern, script, program, separator or expression is text, not a folder: it is not walked, while the paths beside it still are", async () => {
    const cwd = join(root, "patterns");
    mkdirSync(join(cwd, "src"), { recursive: true });
    writeFileSync(join(cwd, "a.txt"), "x.y\n");
    symlinkSync(outside, join(cwd, "src", "leak"));
    const runs: [string, string[]][] = [
      ["grep", ["-o", ".", "a.txt"]],
      ["grep", ["-e", ".", "a.txt"]],
      ["grep", ["--regexp=src", "a.txt"]],
      ["sed", ["-n", "/./p", "a.txt"]],
      ["sed", ["-e", "s/./z/", "a.txt"]],
      ["awk", ["-F", ".", "{ print $2 }", "a.txt"]],
      ["cut", ["-d", ".", "-f1", "a.txt"]],
      ["sort", ["-t", ".", "-k2", "a.txt"]],
      ["find", ["a.txt", "-name", ".", "-o", "-path", "src"]],
      // Walks that look at the link and never through it.
      ["grep", ["-r", "x", "."]],
      ["find", [".", "-name", "x"]],
    ];
    for (const [command, args] of runs) {
      const output = await run(command, args, { cwd, commands: [command] });
      assert.match(output, /^exit code [01]\n/, `${command} ${args.join(" ")}: ${output}`);
      assert.doesNotMatch(output, CANARY);
    }
    // Real paths are judged as before: a folder holding the link, a file through it, an option's file through it.
    const refusedRuns: [string, string[], RegExp][] = [
      ["grep", ["-R", "x", "."], /^"-R" is not allowed with grep: it follows symlinks/],
      ["grep", ["-f", "src/leak", "a.txt"], /^"src\/leak" is not allowed with grep: src\/leak is a symlink/],
      ["grep", ["--file=src/leak", "a.txt"], /^"--file=src\/leak" is not allowed with grep: src\/leak is a symlink/],
      ["sed", ["-n", "p", "src/leak"], /^"src\/leak" is not allowed with sed: src\/leak is a symlink/],
      ["awk", ["{ print }", "src"], /^"src" is not allowed with awk: src\/leak is a symlink/],
      ["find", ["a.txt", "-newer", "src/leak"], /^"src\/leak" is not allowed with find: src\/leak is a symlink/],
      ["sort", ["--random-source=src/leak", "a.txt"], /^"--random-source=src\/leak" is not allowed with sort: src\/leak is a symlink/],
      ["git", ["diff", "--no-index", "src/leak", "a.txt"], /^"src\/leak" is not allowed with git: src\/leak is a symlink/],
    ];
    for (const [command, args, expected] of refusedRuns) {
      const output = await run(command, args, { cwd, commands: [command] });
      assert.match(output, expected, `${command} ${args.join(" ")}`);
      assert.doesNotMatch(output, CANARY);
    }
  });

  test("a pattern is not walked past the bound either: grep -o . FILE runs in a working directory of many files", async () => {
    const cwd = join(root, "many-patterns");
    mkdirSync(join(cwd, "many"), { recursive: true });
    for (let index = 0; index < 60; index++) writeFileSync(join(cwd, "many", `f${index}`), "");
    writeFileSync(join(cwd, "a.txt"), "ab\n");
    const bounded = createExecTool({ home, hiddenFiles: [configFile, envFile], linkCheckEntries: 50 });
    const result = await bounded.run({ command: "grep", args: ["-o", ".", "a.txt"] }, context({ cwd }));
    assert.equal(result.content, "exit code 0\na\nb");
    const walked = await bounded.run({ command: "grep", args: ["-r", "x", "."] }, context({ cwd }));
    assert.match(String(walked.content), /too many files to check for links without the sandbox/);
  });

  test("past the bound the call is refused in words a user understands", async () => {
    const cwd = join(root, "big");
    mkdirSync(join(cwd, "many"), { recursive: true });
    for (let index = 0; index < 60; index++) writeFileSync(join(cwd, "many", `f${index}`), "");
    const bounded = createExecTool({ home, hiddenFiles: [configFile, envFile], linkCheckEntries: 50 });
    const result = await bounded.run({ command: "du", args: ["many"] }, context({ cwd }));
    const output = typeof result.content === "string" ? result.content : "";
    assert.match(output, /^"many" is not allowed with du: there are too many files to check for links without the sandbox \(more than 50 under many\): name a smaller folder, or let exec run in the OS sandbox/);
  });

  test("no option makes a link: ln -s, a bundle with s, --symbolic abbreviated, cp -s and --symbolic-link", async () => {
    for (const [command, args] of [["ln", ["-s", "../../hearth.json5", "x"]], ["ln", ["-fs", outside, "x"]], ["ln", ["--sym", outside, "x"]], ["cp", ["-s", outside, "x"]], ["cp", ["--symbolic-link", outside, "x"]]] as const) {
      const output = await run(command, [...args], { allowUnknownOptions: true });
      assert.match(output, /is not allowed with (ln|cp): it makes a link; with no sandbox exec makes none/, `${command} ${args.join(" ")}`);
    }
    assert.equal(existsSync(join(workspace, "x")), false);
  });
});

describe("without a sandbox no hard link is made, and a file that is another name of a key is not acted on", () => {
  const cwd = join(root, "hard");
  const elsewhere = join(root, "elsewhere");
  mkdirSync(join(cwd, "dotfiles"), { recursive: true });
  mkdirSync(elsewhere);
  // Made by the user (as a dotfiles repository does), not by exec: another name of the SSH key, of hearth's config, of gateway.env.
  linkSync(sshKey, join(cwd, "dotfiles", "ssh-key"));
  linkSync(configFile, join(cwd, "dotfiles", "hearth.json5"));
  linkSync(envFile, join(elsewhere, "env"));
  // Files with other names that are no key's: a package store's (pnpm, uv), two names inside the working directory.
  writeFileSync(join(root, "store-file"), "STORE\n");
  linkSync(join(root, "store-file"), join(cwd, "from-store"));
  writeFileSync(join(cwd, "one"), "ONE\n");
  linkSync(join(cwd, "one"), join(cwd, "two"));

  test("ln (a hard link is its default), link, cp -l/--link/-al are refused: nothing is linked", async () => {
    const runs: [string, string[]][] = [["ln", ["one", "three"]], ["ln", [outside, "three"]], ["link", [outside, "three"]], ["cp", ["-l", outside, "three"]], ["cp", ["--link", outside, "three"]], ["cp", ["-al", "dotfiles", "three"]], ["cp", ["--li", outside, "three"]]];
    for (const [command, args] of runs) {
      const output = await run(command, args, { cwd, commands: [command], allowUnknownOptions: true });
      assert.match(output, new RegExp(`is not allowed with ${command}: it makes a link; with no sandbox exec makes none`), `${command} ${args.join(" ")}`);
    }
    assert.equal(existsSync(join(cwd, "three")), false);
    assert.match(await run("ln", ["--version"], { cwd, commands: ["ln"], allowUnknownOptions: true }), /^exit code 0\nln \(GNU coreutils\)/);
  });

  test("a named file that is another name of the SSH key or the config is refused, naming the place", async () => {
    const key = await run("cat", ["dotfiles/ssh-key"], { cwd, commands: ["cat"] });
    assert.match(key, /^"dotfiles\/ssh-key" is not allowed with cat: dotfiles\/ssh-key is another name \(a hard link\) of .*\.ssh\/id_ed25519, where other programs keep keys and logins: the same file, read and written through either name/);
    assert.doesNotMatch(key, CANARY);
    const config = await run("cp", ["one", "dotfiles/hearth.json5"], { cwd, commands: ["cp"] });
    assert.match(config, /^"dotfiles\/hearth\.json5" is not allowed with cp: dotfiles\/hearth\.json5 is another name \(a hard link\) of .*hearth\.json5, where hearth keeps keys and conversations/);
    assert.equal(readFileSync(configFile, "utf8"), CONFIG);
    // Outside the working directory too: naming the other name is no way around the guard.
    const env = await run("cat", [join(elsewhere, "env")], { cwd, commands: ["cat"] });
    assert.match(env, /is another name \(a hard link\) of .*gateway\.env, where hearth keeps keys/);
    assert.doesNotMatch(env, /gwtok-canary/);
  });

  test("a folder holding one is refused for the programs that walk it, as for a link out", async () => {
    for (const [command, args] of [["grep", ["-r", "CANARY", "dotfiles"]], ["diff", ["dotfiles", "elsewhere-copy"]], ["grep", ["-r", "CANARY"]], ["find", ["-name", "x"]]] as const) {
      const output = await run(command, [...args], { cwd, commands: [command] });
      assert.match(output, /is not allowed with \w+: dotfiles\/(ssh-key|hearth\.json5) is another name \(a hard link\) of /, `${command} ${args.join(" ")}`);
      assert.doesNotMatch(output, CANARY);
    }
  });

  test("files with other names elsewhere — a package store's, or both names inside — are used as any file", async () => {
    assert.equal(await run("cat", ["from-store", "two"], { cwd, commands: ["cat"] }), "exit code 0\nSTORE\nONE");
    const clean = join(root, "hard-clean");
    mkdirSync(join(clean, "node_modules"), { recursive: true });
    linkSync(join(root, "store-file"), join(clean, "node_modules", "index.js"));
    assert.equal(await run("grep", ["-r", "STORE"], { cwd: clean, commands: ["grep"] }), "exit code 0\nnode_modules/index.js:STORE");
  });

  test("past the bound of the guarded places, a file with other names is refused as not checkable", async () => {
    const bounded = createExecTool({ home, hiddenFiles: [configFile, envFile], guardedEntries: 1 });
    const result = await bounded.run({ command: "cat", args: ["from-store"] }, context({ cwd, commands: ["cat"] }));
    assert.match(String(result.content), /^"from-store" is not allowed with cat: from-store has other names \(hard links\), and the places where keys are kept hold too many files \(more than 1\) to check that none of them is one/);
    assert.doesNotMatch(String(result.content), /STORE/);
  });
});

describe("the account's own home folder, when $HOME names another", () => {
  const account = join(root, "account");
  mkdirSync(join(account, ".ssh"), { recursive: true });
  writeFileSync(join(account, ".ssh", "id_rsa"), "ACCOUNT-KEY-CANARY\n");
  writeFileSync(join(account, "notes.txt"), "ACCOUNT-NOTES-CANARY\n");
  const probe = new SandboxProbe();
  const withAccount = createExecTool({ home, accountHome: account, hiddenFiles: [configFile, envFile], probe });
  const runAs = async (settings: Partial<NonNullable<ToolSettings["exec"]>>, args: string[]) => {
    const result = await withAccount.run({ command: "cat", args }, context({ cwd: join(root, "project2"), ...settings }));
    return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
  };
  mkdirSync(join(root, "project2"));

  test("without a sandbox its credential places are refused", async () => {
    const output = await runAs({ sandbox: "off" }, [join(account, ".ssh", "id_rsa")]);
    assert.match(output, /is not allowed with cat: it leads to .*account\/\.ssh.*where other programs keep keys and logins/);
    assert.doesNotMatch(output, CANARY);
  });

  test("the sandbox hides it, as it hides $HOME", async (t) => {
    if ((await probe.support()).kind === "none") return t.skip("no OS sandbox here");
    const output = await runAs({ sandbox: "require" }, [join(account, ".ssh", "id_rsa"), join(account, "notes.txt")]);
    assert.match(output, /No such file or directory/);
    assert.doesNotMatch(output, CANARY);
  });

  test("a program installed under it (or one whose #! interpreter is) is refused in words saying why and what to do, not prlimit's", async (t) => {
    if ((await probe.support()).kind === "none") return t.skip("no OS sandbox here");
    mkdirSync(join(account, "bin"), { recursive: true });
    mkdirSync(join(root, "tools"), { recursive: true });
    const installed = join(account, "bin", "mytool");
    writeFileSync(installed, "#!/bin/sh\necho ran\n", { mode: 0o755 });
    const script = join(root, "tools", "myscript");
    writeFileSync(script, `#!${installed}\n`, { mode: 0o755 });
    const control = join(root, "tools", "plain");
    writeFileSync(control, "#!/bin/sh\necho ran\n", { mode: 0o755 });
    const runProgram = async (program: string) => {
      const result = await withAccount.run({ command: program, args: [] }, context({ cwd: join(root, "project2"), sandbox: "require", commands: [program] }));
      return String(result.content);
    };
    assert.equal(await runProgram(control), "exit code 0\nran");
    const hidden = await runProgram(installed);
    assert.match(hidden, /^".*mytool" cannot run in exec's sandbox: it is .*account\/bin\/mytool, under the account's own home folder .*account, which the sandbox hides \(as it hides \$HOME, .*home\) with all it holds/);
    assert.match(hidden, /Install it outside that folder \(system-wide, e\.g\. \/usr\/local\/bin or \/opt\)/);
    assert.doesNotMatch(hidden, /prlimit|No such file/);
    const interpreted = await runProgram(script);
    assert.match(interpreted, /cannot run in exec's sandbox: its interpreter \(from the #! line of .*tools\/myscript\) is .*account\/bin\/mytool, under the account's own home folder/);
  });

  test("by default the account's home is the one its passwd entry names", async (t) => {
    const own = userInfo().homedir;
    if ((await probe.support()).kind === "none" || own === "/" || !existsSync(own) || own === home) return t.skip("no sandbox, or no home of the account's own");
    const result = await createExecTool({ home, probe }).run({ command: "ls", args: ["-A", own] }, context({ cwd: join(root, "project2"), sandbox: "require" }));
    assert.equal(result.content, "exit code 0\n(no output)");
  });
});

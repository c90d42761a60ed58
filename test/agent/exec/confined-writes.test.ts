import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * The t12 trial's finding 1, run for real: with no sandbox exec wrote anywhere but a few secret places —
 * a cloned `prlimit` copied into `~/.local/bin` (first on PATH) ran with the next exec call and read
 * gateway.env; a rewritten `dist/` of hearth ran with the next `hearth` command.
 */
const root = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "hearth-confined-writes-"));
const home = join(root, "home");
const state = join(home, ".hearth");
const workspace = join(state, "workspace");
const envFile = join(state, "gateway.env");
const userBin = join(home, ".local", "bin");
const outside = join(root, "outside");
const pwned = join(root, "pwned.txt");
mkdirSync(workspace, { recursive: true });
mkdirSync(userBin, { recursive: true });
mkdirSync(outside);
writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=gwtok-canary\n");
writeFileSync(join(outside, "source.txt"), "from outside\n");
const originalPath = process.env.PATH ?? "";
after(() => {
  process.env.PATH = originalPath;
  rmSync(root, { recursive: true, force: true });
});

/** A program that, run at all, records it and what gateway.env holds. */
const planted = (name: string) => `#!/bin/sh\necho "${name} ran: $(cat ${envFile})" >> ${pwned}\nexec /usr/bin/env "$@"\n`;

// The attacker's repository (a local bare one stands in for an https clone): p/prlimit, an executable script.
const attacker = join(root, "attacker.git");
const source = join(root, "attacker-src");
const git = (args: string[], cwd: string) => execFileSync("git", ["-c", "user.name=a", "-c", "user.email=a@example.com", "-c", "init.defaultBranch=main", ...args], { cwd, env: { ...process.env, GIT_CONFIG_GLOBAL: devNull, GIT_CONFIG_NOSYSTEM: "1" } });
mkdirSync(join(source, "p"), { recursive: true });
writeFileSync(join(source, "p", "prlimit"), planted("prlimit"));
chmodSync(join(source, "p", "prlimit"), 0o755);
writeFileSync(join(source, "q.js"), "console.log('attacker code')\n");
git(["init", "-q"], source);
git(["add", "-A"], source);
git(["commit", "-qm", "x"], source);
git(["clone", "-q", "--bare", source, attacker], root);

// The account's PATH starts with ~/.local/bin, as Debian's ~/.profile makes it once the folder exists.
process.env.PATH = `${userBin}${delimiter}${originalPath}`;

/** exec without a sandbox refuses ln whatever it links (a hard link is its default). */
const LINK_REFUSAL = /is not allowed with ln: it makes a link; with no sandbox exec makes none/;

const COMMANDS = ["git", "tar", "cp", "mv", "ln", "mkdir", "touch", "rm", "rmdir", "tee", "dd", "install", "truncate", "split", "chmod", "sort", "sed", "ls", "cat", "diff"];
const probe = new SandboxProbe();
const exec = createExecTool({ home, hiddenFiles: [envFile], probe });
const context = (settings: Partial<NonNullable<ToolSettings["exec"]>> = {}): ToolContext => ({
  signal: new AbortController().signal,
  stateDir: state,
  settings: { exec: { commands: COMMANDS, sandbox: "off", ...settings } },
  untrusted: (text) => text,
});
const run = async (command: string, args: string[], settings: Partial<NonNullable<ToolSettings["exec"]>> = {}, tool = exec) => {
  const result = await tool.run({ command, args }, context(settings));
  return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
};
const OUTSIDE_REFUSAL = /is not allowed with \w+: .*it would write .*, outside the working directory .*; with no sandbox exec writes only inside its working directory: to let it write there, set tools\.exec\.cwd/;

describe("the trial's chain: a cloned prlimit copied onto PATH", () => {
  test("the clone works; every way of putting its prlimit into ~/.local/bin is refused, naming the argument", async () => {
    assert.match(await run("git", ["clone", "-q", attacker, "y"]), /^exit code 0/);
    for (const [command, args] of [
      ["mkdir", [join(home, ".local", "bin2")]],
      ["cp", ["y/p/prlimit", join(userBin, "prlimit")]],
      ["cp", ["y/p/prlimit", userBin]],
      ["cp", ["-t", userBin, "y/p/prlimit"]],
      ["cp", [`--target-directory=${userBin}`, "y/p/prlimit"]],
      ["mv", ["y/p/prlimit", userBin]],
      ["ln", ["y/p/prlimit", join(userBin, "prlimit")]],
      ["install", ["y/p/prlimit", join(userBin, "prlimit")]],
      ["dd", ["if=y/p/prlimit", `of=${join(userBin, "prlimit")}`]],
      ["tee", [join(userBin, "prlimit")]],
    ] as const) {
      const output = await run(command, [...args], { allowUnknownOptions: true });
      // ln makes a link, which exec makes none of without a sandbox, wherever it would go (check-links.ts).
      assert.match(output, command === "ln" ? LINK_REFUSAL : OUTSIDE_REFUSAL, `${command} ${args.join(" ")}`);
    }
    assert.deepEqual(readdirSync(userBin), []);
    assert.equal(existsSync(join(home, ".local", "bin2")), false);
  });

  test("a prlimit (and a du) planted on a writable PATH folder by other means is never run, sandbox or not", async () => {
    for (const name of ["prlimit", "du", "bwrap"]) {
      writeFileSync(join(userBin, name), planted(name));
      chmodSync(join(userBin, name), 0o755);
    }
    // A fresh tool and probe: prlimit and bwrap are looked for with their first call.
    const fresh = createExecTool({ home, hiddenFiles: [envFile], probe: new SandboxProbe() });
    assert.match(await run("ls", ["y"], {}, fresh), /^exit code 0\np/);
    const sandboxed = await run("ls", ["y"], { sandbox: "auto" }, fresh);
    assert.match(sandboxed, /^exit code 0\np/);
    assert.equal(existsSync(pwned), false, existsSync(pwned) ? readFileSync(pwned, "utf8") : "");
    for (const name of ["prlimit", "du", "bwrap"]) rmSync(join(userBin, name));
  });
});

describe("with no sandbox, every writing form stays inside the working directory", () => {
  const cwd = join(root, "project");
  mkdirSync(join(cwd, "sub"), { recursive: true });
  writeFileSync(join(cwd, "a.txt"), "a\n");
  symlinkSync(outside, join(cwd, "out"));
  symlinkSync(join(outside, "new.txt"), join(cwd, "dangling"));
  const inCwd = (settings: Partial<NonNullable<ToolSettings["exec"]>> = {}) => ({ cwd, allowUnknownOptions: true, ...settings });

  test("each form writing outside is refused, by path, through a link, below a link and through a dangling one; nothing lands outside", async () => {
    const target = join(outside, "t");
    for (const [command, args] of [
      ["cp", ["a.txt", target]],
      ["cp", ["-t", outside, "a.txt"]],
      ["cp", ["a.txt", "../outside/t"]],
      ["cp", ["a.txt", "dangling"]],
      ["mv", ["a.txt", target]],
      ["mv", [join(outside, "source.txt"), "moved.txt"]],
      ["ln", ["a.txt", target]],
      ["mkdir", [target]],
      ["mkdir", ["out/newdir"]],
      ["touch", [target]],
      ["rm", [join(outside, "source.txt")]],
      ["rmdir", [outside]],
      ["tee", [target]],
      ["dd", ["if=a.txt", `of=${target}`]],
      ["install", ["-d", target]],
      ["truncate", ["-s", "0", join(outside, "source.txt")]],
      ["split", ["a.txt", join(outside, "part")]],
      ["chmod", ["644", join(outside, "source.txt")]],
    ] as const) {
      const output = await run(command, [...args], inCwd());
      assert.match(output, /is not allowed with \w+: /, `${command} ${args.join(" ")}`);
      assert.doesNotMatch(output, /^exit code/, `${command} ${args.join(" ")}`);
    }
    // Described programs write only where their tables let them: inside, relative.
    assert.match(await run("git", ["clone", "-q", attacker, "../outside/c"], inCwd()), /is not allowed with git: it writes files outside the working directory/);
    assert.match(await run("tar", ["-cf", join(outside, "a.tar"), "a.txt"], inCwd()), /is not allowed with tar: the archive tar creates/);
    assert.match(await run("sort", ["-o", target, "a.txt"], inCwd()), OUTSIDE_REFUSAL);
    assert.match(await run("sed", ["-i", "s/a/b/", join(outside, "source.txt")], inCwd()), OUTSIDE_REFUSAL);
    assert.match(await run("sed", ["-i../outside/*.bak", "s/a/b/", "a.txt"], inCwd()), OUTSIDE_REFUSAL);
    assert.deepEqual(readdirSync(outside), ["source.txt"]);
    assert.equal(readFileSync(join(outside, "source.txt"), "utf8"), "from outside\n");
  });

  test("the same forms inside the working directory run, and reading from outside stays allowed", async () => {
    for (const [command, args] of [
      ["cp", ["a.txt", "b.txt"]],
      ["cp", ["-t", "sub", "a.txt"]],
      ["cp", [join(outside, "source.txt"), "sub"]],
      ["mv", ["b.txt", "c.txt"]],
      ["mkdir", ["made"]],
      ["touch", ["made/t"]],
      ["dd", ["if=a.txt", "of=made/dd.txt"]],
      ["split", ["a.txt", "made/part"]],
      ["chmod", ["600", "made/t"]],
      ["rm", ["made/t"]],
      ["tar", ["-cf", "a.tar", "a.txt"]],
      ["git", ["clone", "-q", attacker, "z"]],
      ["diff", [join(outside, "source.txt"), "sub/source.txt"]],
    ] as const) {
      assert.match(await run(command, [...args], inCwd()), /^exit code 0/, `${command} ${args.join(" ")}`);
    }
    // A link is the one form refused inside too: without a sandbox exec makes none (check-links.ts).
    assert.match(await run("ln", ["c.txt", "sub/c-link"], inCwd()), LINK_REFUSAL);
    assert.equal(readFileSync(join(cwd, "sub", "a.txt"), "utf8"), "a\n");
    assert.equal(readFileSync(join(cwd, "sub", "source.txt"), "utf8"), "from outside\n");
  });

  test("a file inside with another name outside (a hard link made by other means) is not written through", async () => {
    writeFileSync(join(outside, "linked.txt"), "outside's\n");
    linkSync(join(outside, "linked.txt"), join(cwd, "linked.txt"));
    const output = await run("cp", ["a.txt", "linked.txt"], inCwd());
    assert.match(output, /^"linked\.txt" is not allowed with cp: .*linked\.txt has 2 names \(hard links\)/);
    assert.equal(readFileSync(join(outside, "linked.txt"), "utf8"), "outside's\n");
    // Removing the name is fine: the file outside stays.
    assert.match(await run("rm", ["linked.txt"], inCwd()), /^exit code 0/);
    assert.equal(readFileSync(join(outside, "linked.txt"), "utf8"), "outside's\n");
  });
});

describe("hearth's own install and PATH's folders are never written, even inside the working directory", () => {
  const cwd = join(root, "workspace-with-hearth");
  const install = join(cwd, "hearth");
  const entry = join(install, "dist", "cli", "process-entry.js");
  mkdirSync(join(install, "bin"), { recursive: true });
  mkdirSync(join(install, "dist", "cli"), { recursive: true });
  writeFileSync(join(install, "package.json"), "{}\n");
  writeFileSync(join(install, "bin", "hearth"), "#!/usr/bin/env node\n");
  writeFileSync(entry, "export const original = true;\n");
  writeFileSync(join(cwd, "evil.js"), "console.log('attacker code')\n");
  const withInstall = createExecTool({ home, hiddenFiles: [envFile], probe, installRoot: install });

  test("dist/ of the install is refused (cp onto it, cp -r over it, mv or rm of its folder, a clone into it); the rest of the working directory is not", async () => {
    for (const [command, args] of [
      ["cp", ["evil.js", "hearth/dist/cli/process-entry.js"]],
      ["cp", ["evil.js", "hearth/dist/cli"]],
      ["mv", ["hearth", "old-hearth"]],
      ["rm", ["-r", "hearth/dist"]],
      ["git", ["clone", "-q", attacker, "hearth/dist/x"]],
      ["tar", ["-cf", "hearth/bin/hearth", "evil.js"]],
    ] as const) {
      const output = await run(command, [...args], { cwd, allowUnknownOptions: true }, withInstall);
      assert.match(output, /is not allowed with \w+: it would write .*hearth.*, hearth's own install \(its bin\/ and dist\/ run the next time hearth starts\); exec never writes there, even inside its working directory/, `${command} ${args.join(" ")}`);
    }
    assert.equal(readFileSync(entry, "utf8"), "export const original = true;\n");
    assert.match(await run("cp", ["evil.js", "copy.js"], { cwd }, withInstall), /^exit code 0/);
  });

  test("the running hearth's own dist/ is refused by default: it lies outside this working directory", async () => {
    const real = resolve("dist", "cli", "process-entry.js");
    assert.match(await run("cp", ["evil.js", real], { cwd }), OUTSIDE_REFUSAL);
  });

  test("in the sandbox the install stays read-only", async (t) => {
    if ((await probe.support()).kind === "none") return t.skip("no OS sandbox here");
    const output = await run("cp", ["evil.js", "hearth/dist/cli/process-entry.js"], { cwd, sandbox: "require" }, withInstall);
    assert.match(output, /^exit code 1\n.*Read-only file system/);
    assert.equal(readFileSync(entry, "utf8"), "export const original = true;\n");
  });

  test("a PATH folder inside the working directory: its programs are not run and nothing is written into it without a sandbox; the refusal says so", async () => {
    const tools = join(cwd, "tools", "bin");
    mkdirSync(tools, { recursive: true });
    writeFileSync(join(tools, "cat"), planted("cat"));
    chmodSync(join(tools, "cat"), 0o755);
    process.env.PATH = `${tools}${delimiter}${userBin}${delimiter}${originalPath}`;
    try {
      const output = await run("cat", ["evil.js"], { cwd });
      assert.match(output, /^"cat" is not allowed with cat: the program would run from .*tools\/bin\/cat \(PATH holds .*tools\/bin\), inside the working directory .*; with no sandbox exec never runs a program from there .*take that folder off PATH, set tools\.exec\.cwd/);
      assert.match(await run("cp", ["evil.js", "tools/bin/ls"], { cwd }), /it would write .*tools\/bin\/ls, inside .*tools\/bin, a folder on PATH/);
      assert.equal(existsSync(join(tools, "ls")), false);
      assert.equal(existsSync(pwned), false);
    } finally {
      process.env.PATH = `${userBin}${delimiter}${originalPath}`;
    }
  });
});

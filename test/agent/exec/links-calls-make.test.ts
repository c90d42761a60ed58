import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * The t12-replay trial's findings 1 and 2, run for real with the real programs: with no sandbox `unzip`
 * (or `patch`) made a symlink `d -> ~/.local/bin` inside the working directory, and a second `unzip`
 * wrote `d/git` through it, which hearth then ran; and a path longer than PATH_MAX passed the link check
 * as "not a link" (its lstat failed), so cp wrote through a link deep inside it.
 */
const has = (program: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const root = mkdtempSync(join(existsSync("/var/tmp") ? "/var/tmp" : tmpdir(), "hearth-links-calls-make-"));
const home = join(root, "home");
const state = join(home, ".hearth");
const envFile = join(state, "gateway.env");
const userBin = join(home, ".local", "bin");
const cwd = join(root, "project");
// The attacker's files, inside the working directory as a clone of its repository would be (u/ in the trial).
const fixtures = join(cwd, "u");
mkdirSync(join(state, "workspace"), { recursive: true });
mkdirSync(userBin, { recursive: true });
mkdirSync(fixtures, { recursive: true });
writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=gwtok-canary\n");
const originalPath = process.env.PATH ?? "";
process.env.PATH = `${userBin}${delimiter}${originalPath}`;
after(() => {
  process.env.PATH = originalPath;
  // rm -rf walks the deep tree below by relative names (Node's rm would meet paths past PATH_MAX).
  execFileSync("rm", ["-rf", root]);
});

// The attacker's archives: a.zip holds a symlink `d -> ~/.local/bin`, b.zip a file `d/git` (mode 755).
const zipped = (name: string, make: (folder: string) => string[]) => {
  const folder = join(root, `${name}-src`);
  mkdirSync(folder);
  execFileSync("zip", ["-q", "-y", join(fixtures, name), ...make(folder)], { cwd: folder });
  return join(fixtures, name);
};
const canZip = has("zip") && has("unzip");
const aZip = canZip ? zipped("a.zip", (folder) => (symlinkSync(userBin, join(folder, "d")), ["d"])) : "";
const bZip = canZip
  ? zipped("b.zip", (folder) => {
      mkdirSync(join(folder, "d"));
      writeFileSync(join(folder, "d", "git"), "#!/bin/sh\necho planted\n", { mode: 0o755 });
      return ["d/git"];
    })
  : "";
// A git diff that makes a symlink `l -> ~/.local/bin`, as GNU patch applies it.
const linkPatch = join(fixtures, "link.patch");
writeFileSync(linkPatch, `diff --git a/l b/l\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+${userBin}\n\\ No newline at end of file\n`);

const probe = new SandboxProbe();
const exec = createExecTool({ home, hiddenFiles: [envFile], probe });
const context = (settings: Partial<NonNullable<ToolSettings["exec"]>> = {}): ToolContext => ({
  signal: new AbortController().signal,
  stateDir: state,
  settings: { exec: { commands: ["unzip", "patch", "cp", "mv", "mkdir", "ls", "cat"], sandbox: "off", cwd, ...settings } },
  untrusted: (text) => text,
});
const run = async (command: string, args: string[], settings: Partial<NonNullable<ToolSettings["exec"]>> = {}, tool = exec) => {
  const result = await tool.run({ command, args }, context(settings));
  return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
};
const isLink = (path: string) => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};
const clean = () => {
  for (const entry of readdirSync(cwd)) if (entry !== "u") rmSync(join(cwd, entry), { recursive: true, force: true });
};

describe("with no sandbox, no call leaves a link it made leading out of the working directory", () => {
  test("the trial's chain: unzip's link to ~/.local/bin is removed, said so, and the second unzip writes inside", async (t) => {
    if (!canZip) return t.skip("zip or unzip is not installed");
    clean();
    const first = await run("unzip", [aZip]);
    assert.match(first, /^exit code 0\nexec removed a symlink this call made leading out of the working directory \(with no sandbox exec leaves none\): d -> .*\/home\/\.local\/bin\n/);
    assert.equal(isLink(join(cwd, "d")), false);
    assert.match(await run("unzip", [bZip]), /^exit code 0\n/);
    assert.equal(readFileSync(join(cwd, "d", "git"), "utf8"), "#!/bin/sh\necho planted\n");
    assert.deepEqual(readdirSync(userBin), []);
  });

  test("patch's symlink member is removed the same way", async (t) => {
    if (!has("patch")) return t.skip("patch is not installed");
    clean();
    const output = await run("patch", ["l", linkPatch]);
    assert.match(output, /exec removed a symlink this call made leading out of the working directory .*: l -> .*\/home\/\.local\/bin/);
    assert.equal(isLink(join(cwd, "l")), false);
  });

  test("a relative link mv carries up a folder, where it leads out, is removed; one that still leads inside stays", async () => {
    clean();
    mkdirSync(join(cwd, "a", "b"), { recursive: true });
    mkdirSync(join(cwd, "sub"));
    symlinkSync("../../sub", join(cwd, "a", "b", "l"));
    symlinkSync("../../sub", join(cwd, "a", "b", "m"));
    assert.match(await run("mv", ["a/b/l", "l"]), /^exit code 0\nexec removed a symlink this call made .*: l -> /);
    assert.equal(isLink(join(cwd, "l")), false);
    mkdirSync(join(cwd, "c", "d"), { recursive: true });
    assert.match(await run("mv", ["a/b/m", "c/d/m"]), /^exit code 0\n\(no output\)$/);
    assert.equal(isLink(join(cwd, "c", "d", "m")), true);
  });

  test("a program whose writes exec cannot tell never runs while a link leads out of the working directory, or while there are too many entries to look at", async (t) => {
    if (!canZip) return t.skip("zip or unzip is not installed");
    clean();
    symlinkSync(userBin, join(cwd, "mine"));
    assert.match(await run("unzip", [bZip]), /^"mine" is not allowed with unzip: mine is a symlink to .*\/home\/\.local\/bin, outside the working directory; exec cannot tell what unzip writes \(its input may decide: an archive's members, a patch's files, a script\), so with no sandbox it runs only while no link leads out of the working directory, .*: remove the link/);
    assert.equal(existsSync(join(cwd, "d")), false);
    // cp's writes are known: it runs, its targets judged on the file system as before.
    writeFileSync(join(cwd, "a.txt"), "a\n");
    assert.match(await run("cp", ["a.txt", "b.txt"]), /^exit code 0/);
    rmSync(join(cwd, "mine"));
    for (let index = 0; index < 8; index += 1) writeFileSync(join(cwd, `f${index}`), "");
    const small = createExecTool({ home, hiddenFiles: [envFile], probe, linkCheckEntries: 5 });
    assert.match(await run("unzip", [bZip], {}, small), /^"unzip" is not allowed with unzip: .* there are too many files to check for links without the sandbox \(more than 5 under the working directory\)/);
  });

  test("a program whose writes exec cannot tell does not run in a working directory holding hearth's own install", async (t) => {
    if (!canZip) return t.skip("zip or unzip is not installed");
    clean();
    const install = join(cwd, "hearth");
    mkdirSync(join(install, "dist"), { recursive: true });
    const withInstall = createExecTool({ home, hiddenFiles: [envFile], probe, installRoot: install });
    assert.match(await run("unzip", [bZip], {}, withInstall), /^"unzip" is not allowed with unzip: exec cannot tell what unzip writes .*, and the working directory holds .*\/project\/hearth, hearth's own install/);
  });

  test("in the sandbox nothing is swept, and writing through unzip's link fails there", async (t) => {
    if (!canZip) return t.skip("zip or unzip is not installed");
    if ((await probe.support()).kind === "none") return t.skip("no OS sandbox here");
    clean();
    assert.match(await run("unzip", [aZip], { sandbox: "require" }), /^exit code 0\n(?!exec removed)/);
    assert.equal(isLink(join(cwd, "d")), true);
    assert.doesNotMatch(await run("unzip", [bZip], { sandbox: "require" }), /^exit code 0/);
    assert.deepEqual(readdirSync(userBin), []);
    rmSync(join(cwd, "d"));
  });
});

describe("a path the checks cannot look at is refused, not taken as safe", () => {
  test("the trial's deep link: a relative path past PATH_MAX as a whole, through a link to ~/.local/bin", async () => {
    clean();
    writeFileSync(join(cwd, "git"), "#!/bin/sh\necho planted\n", { mode: 0o755 });
    // Folders of 200 letters until the absolute path of the link passes 4095 characters; the relative one stays under it.
    const parts: string[] = [];
    const length = 4100 - cwd.length - "/".length - "/l".length;
    while (parts.join("/").length + 201 < length) parts.push("a".repeat(200));
    parts.push("c".repeat(length - parts.join("/").length - 1));
    const deep = parts.join("/");
    execFileSync("mkdir", ["-p", deep], { cwd });
    execFileSync("ln", ["-s", userBin, `${deep}/l`], { cwd });
    assert.ok(`${cwd}/${deep}/l`.length > 4095 && `${deep}/l/git`.length < 4096);
    const output = await run("cp", ["git", `${deep}/l/git`]);
    assert.match(output, /is not allowed with cp: exec cannot check this path \(ENAMETOOLONG: longer than the system takes as a whole path\), and a link along it could lead anywhere/);
    assert.deepEqual(readdirSync(userBin), []);
    // A long name that is not there (a script read as a path) costs nothing and passes.
    assert.match(await run("mkdir", ["-p", `new/${"b".repeat(200)}/${"c".repeat(200)}`]), /^exit code 0/);
    execFileSync("rm", ["-rf", parts[0] as string], { cwd });
  });
});

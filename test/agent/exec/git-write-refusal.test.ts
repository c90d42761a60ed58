import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

// A daily-use trial (t12-user #7): `git add`, `commit`, `restore`, `stash` were refused with a list of
// allowed subcommands, and no setting allows them — the refusal now says so outright, why, and what to
// do, for every setting; and the repository is left as it was.

let root = "";
let work = "";
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };

before(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-git-write-"));
  work = join(root, "work");
  execFileSync("git", ["init", "-q", work]);
  writeFileSync(join(work, "README.md"), "hello\n");
  execFileSync("git", ["add", "README.md"], { cwd: work, env: gitEnv });
  execFileSync("git", ["commit", "-qm", "first"], { cwd: work, env: gitEnv });
  writeFileSync(join(work, "README.md"), "hello, changed\n");
  writeFileSync(join(work, "notes.txt"), "new\n");
});
after(() => rmSync(root, { recursive: true, force: true }));

const context = (exec: Record<string, unknown>): ToolContext => ({ signal: new AbortController().signal, stateDir: join(root, "state"), settings: { exec: { commands: ["git"], cwd: work, sandbox: "off", ...exec } }, untrusted: (text) => text });
const status = (): string => execFileSync("git", ["status", "--short"], { cwd: work, encoding: "utf8" });

test("git's writing subcommands: refused whatever the settings, saying so first, with what exec runs, why, and to run it yourself", async () => {
  const tool = createExecTool();
  const before = status();
  assert.equal(before, " M README.md\n?? notes.txt\n");
  for (const settings of [{}, { allowUnknownOptions: true }, { sandbox: "auto" }]) {
    for (const args of [["add", "notes.txt"], ["commit", "-am", "wip"], ["restore", "README.md"], ["stash"]]) {
      const name = args[0] ?? "";
      const result = await tool.run({ command: "git", args }, context(settings));
      const words = `${JSON.stringify(settings)} git ${args.join(" ")}: ${result.content}`;
      assert.equal(result.isError, true, words);
      // The fix comes first: a tool's note shows the refusal's start.
      assert.ok(result.content.startsWith(`"${name}" is not allowed with git: git ${name} is not run by exec, and no setting allows it: run it yourself, in a terminal. `), words);
      assert.match(result.content, /exec runs only git's subcommands that read a repository or fetch one over http\(s\): status, log, show, .*clone, version/, words);
      assert.match(result.content, /can run programs the repository names — hooks, and the filters, merge drivers and signing programs its config sets — which without a sandbox run with all your rights/, words);
      assert.match(result.content, /a reset, restore or stash can throw away uncommitted work$/, words);
    }
  }
  assert.equal(status(), before, "nothing was staged, committed, restored or stashed");
});

test("a name that is no subcommand exec runs (an alias, a git-* program) is refused with the same fix, and why", async () => {
  const result = await createExecTool().run({ command: "git", args: ["co", "main"] }, context({ allowUnknownOptions: true }));
  assert.equal(result.isError, true);
  assert.match(result.content, /^"co" is not allowed with git: git co is not run by exec, and no setting allows it: exec runs only git's subcommands that read .*; any other — an alias or a git-co program included — could run programs nobody checked\. Run it yourself, in a terminal, if you need it$/);
  // What it runs, it runs.
  const ran = await createExecTool().run({ command: "git", args: ["status", "--short"] }, context({}));
  assert.equal(ran.isError, false, ran.content);
  assert.match(ran.content, /M README\.md/);
});

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * git escapes found by an attack run (session 3), against the real git with the guard alone
 * (sandbox off): a repository whose tree holds a bare repository (HEAD, config, objects, refs) — once
 * cloned into the workspace, `git -C repo/inner status` used the inner config and ran its
 * core.fsmonitor; and addresses git reaches through ssh though they have no `ssh://` (`user@host:path`,
 * `C:/x` outside Windows). Each control shows the escape works when nothing stands in the way.
 */
let root = "";
let work = "";
let marker = "";
let fakeBin = "";
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };

before(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-git-escape-"));
  work = join(root, "work");
  mkdirSync(work);
  marker = join(root, "escaped");
  // The hostile repository: its tree holds a bare repository whose config runs a command.
  const hostile = join(root, "hostile");
  execFileSync("git", ["init", "-q", hostile]);
  execFileSync("git", ["init", "-q", "--bare", join(hostile, "inner")]);
  const inner = (...args: string[]) => execFileSync("git", ["-C", join(hostile, "inner"), ...args]);
  inner("config", "core.bare", "false");
  inner("config", "core.worktree", "..");
  inner("config", "core.fsmonitor", `touch ${marker}; false`);
  rmSync(join(hostile, "inner/hooks"), { recursive: true, force: true });
  writeFileSync(join(hostile, "inner/objects/.keep"), "");
  writeFileSync(join(hostile, "inner/refs/.keep"), "");
  execFileSync("git", ["add", "-f", "inner"], { cwd: hostile, env: gitEnv });
  execFileSync("git", ["commit", "-qm", "tree"], { cwd: hostile, env: gitEnv });
  // An `ssh` that shows it was started.
  fakeBin = join(root, "bin");
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, "ssh"), `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
  chmodSync(join(fakeBin, "ssh"), 0o755);
});
after(() => rmSync(root, { recursive: true, force: true }));

const context = (): ToolContext => ({ signal: new AbortController().signal, stateDir: join(root, "state"), settings: { exec: { commands: ["git"], cwd: work, sandbox: "off" } }, untrusted: (text) => text });
const exec = (args: string[]) => createExecTool().run({ command: "git", args }, context());

describe("a bare repository inside a cloned tree", () => {
  test("control: plain git uses its config and runs the command", () => {
    rmSync(join(work, "control"), { recursive: true, force: true });
    rmSync(marker, { force: true });
    execFileSync("git", ["clone", "-q", join(root, "hostile"), "control"], { cwd: work });
    spawnSync("git", ["-C", "control/inner", "status"], { cwd: work, stdio: "ignore" });
    assert.ok(existsSync(marker), "the escape works on this machine, so the case below can fail");
  });

  test("through exec: the clone runs, the inner repository is not used, nothing runs", async () => {
    rmSync(marker, { force: true });
    const clone = await exec(["clone", "-q", join(root, "hostile"), "repo"]);
    assert.equal(clone.isError, false, clone.content);
    for (const args of [["-C", "repo/inner", "status"], ["-C", "repo/inner", "log", "-p"]]) {
      const result = await exec(args);
      assert.match(result.content, /cannot use bare repository/, JSON.stringify(args));
    }
    await exec(["-C", "repo/inner", "diff"]);
    assert.ok(!existsSync(marker));
    const outer = await exec(["-C", "repo", "status", "--short"]);
    assert.equal(outer.isError, false, `the cloned repository itself still works: ${outer.content}`);
  });
});

describe("addresses git reaches through ssh", () => {
  const addresses = ["git@127.0.0.1:r.git", "host:r", "[::1]:r", ...(process.platform === "win32" ? [] : ["C:/r"])];

  test("control: plain git starts ssh for each", () => {
    for (const address of addresses) {
      rmSync(marker, { force: true });
      spawnSync("git", ["ls-remote", address], { cwd: work, stdio: "ignore", env: { ...process.env, PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ""}` } });
      assert.ok(existsSync(marker), address);
    }
  });

  test("through exec: refused, for ls-remote, clone and a clone's --bundle-uri", async () => {
    const path = process.env.PATH;
    process.env.PATH = `${fakeBin}${delimiter}${path ?? ""}`;
    try {
      for (const address of addresses) {
        for (const args of [["ls-remote", address], ["clone", address, "c"], ["clone", `--bundle-uri=${address}`, join(root, "hostile"), "c"]]) {
          rmSync(marker, { force: true });
          const result = await exec(args);
          assert.match(result.content, /is not allowed with git: .*(git reaches this address by running ssh or a remote helper|a remote helper \(transport::address\) is another program)/, JSON.stringify(args));
          assert.ok(!existsSync(marker), JSON.stringify(args));
        }
      }
    } finally {
      process.env.PATH = path;
    }
  });
});

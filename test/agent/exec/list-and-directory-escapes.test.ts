import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * exec with no sandbox, run for real (a trial's findings): an option whose value is a list of paths
 * (`file -m a:b`), an option that reads the names of the files to open from a file (`file -f`), and an
 * option that moves where later relative paths are resolved (`git -C`, `tar -C`) reach no secret.
 */
describe("exec without a sandbox: path lists, names in files and -C directories", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-list-escapes-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, "home");
  const state = join(home, ".hearth");
  const work = join(home, "proj");
  const key = join(home, ".ssh", "id_ed25519");
  mkdirSync(join(home, ".ssh"), { recursive: true });
  mkdirSync(join(state, "sessions"), { recursive: true });
  mkdirSync(join(work, "e2", "sub"), { recursive: true });
  writeFileSync(key, "PRIVATE-SSH-KEY-CONTENT\n");
  writeFileSync(join(state, "sessions", "a1.jsonl"), '{"text":"secret talk"}\n');
  writeFileSync(join(work, "list"), `${key}\n`);
  writeFileSync(join(work, "e2", "list"), "harmless\n");
  writeFileSync(join(work, "e2", "other"), "also harmless\n");

  const exec = createExecTool({ home, probe: undefined });
  const run = async (command: string, args: string[]) => {
    const context: ToolContext = { signal: new AbortController().signal, stateDir: state, settings: { exec: { commands: ["file", "git", "tar", "du", "grep"], cwd: work, sandbox: "off" } }, untrusted: (text) => text };
    const result = await exec.run({ command, args }, context);
    return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
  };
  const secret = /PRIVATE-SSH-KEY|secret talk/;

  const refusedCalls: { name: string; command: string; args: string[] }[] = [
    { name: "file -m, a colon-separated list of magic files", command: "file", args: ["-m", `/dev/null:${key}:${join(state, "sessions", "a1.jsonl")}`, "/dev/null"] },
    { name: "file --magic-file=, the list attached", command: "file", args: [`--magic-file=/dev/null:${key}`, "/dev/null"] },
    { name: "file -m with the list bundled", command: "file", args: [`-bm/dev/null:${key}`, "/dev/null"] },
    { name: "a comma-separated list", command: "grep", args: [`--exclude-from=x,${key}`, "a", "list"] },
    { name: "git -C then a relative path that leaves it", command: "git", args: ["-C", "e2", "diff", "--no-index", "list", "../../.ssh/id_ed25519"] },
    { name: "git -C then an option's value", command: "git", args: ["-C", "e2", "blame", "--contents=../../.ssh/id_ed25519", "list"] },
    { name: "git -C chained", command: "git", args: ["-C", "e2", "-C", "sub", "diff", "--no-index", "../list", "../../../.ssh/id_ed25519"] },
    { name: "tar -C then an operand", command: "tar", args: ["-c", "-f", "-", "-C", "e2", "../../.ssh/id_ed25519"] },
    { name: "tar --directory= then an operand", command: "tar", args: ["-c", "-f", "-", "--directory=e2", "../../.hearth/sessions/a1.jsonl"] },
    { name: "tar's traditional form with C", command: "tar", args: ["cfC", "-", "e2", "../../.ssh"] },
  ];
  for (const entry of refusedCalls) {
    test(`refused: ${entry.name}`, async () => {
      const output = await run(entry.command, entry.args);
      assert.match(output, /is not allowed with \w+: .*(where hearth keeps keys and conversations|where other programs keep keys and logins)/);
      assert.doesNotMatch(output, secret);
    });
  }

  test("file -f and --files-from (names read from a file) are refused", async () => {
    for (const args of [["-f", "list"], ["--files-from=list"], ["--files-f", "list"]]) {
      const output = await run("file", args);
      assert.match(output, /is not allowed with file: .*it reads files named inside another file/);
      assert.doesNotMatch(output, secret);
    }
  });

  test("inside the working directory they still run", async () => {
    assert.match(await run("git", ["-C", "e2", "diff", "--no-index", "list", "other"]), /^exit code 1\n[^]*also harmless/);
    assert.match(await run("file", ["-m", "/dev/null:/dev/null", "list"]), /^exit code 0\n[^]*list: ASCII text/);
    assert.match(await run("tar", ["-c", "-f", "out.tar", "-C", "e2", "list", "../list"]), /^exit code 0/);
  });
});

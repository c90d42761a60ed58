import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * exec with no sandbox (`sandbox: "off"`), run for real: hearth's own secret places — the state dir,
 * the config file, gateway.env, other processes' /proc files — are never read, however an argument
 * names them; what lies in the working directory still is.
 */
describe("exec without a sandbox keeps hearth's secrets out of reach", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-secret-places-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const home = join(root, "home");
  const state = join(root, "state");
  const envFile = join(home, ".hearth", "gateway.env");
  const configFile = join(home, "conf", "hearth.json5");
  const work = join(home, "project");
  mkdirSync(join(home, ".hearth"), { recursive: true });
  mkdirSync(join(home, "conf"), { recursive: true });
  mkdirSync(join(state, "sessions"), { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(envFile, "HEARTH_GATEWAY_TOKEN=gwtok-canary\n");
  writeFileSync(configFile, "{ apiKey: 'sk-canary' }\n");
  writeFileSync(join(state, "sessions", "main.jsonl"), '{"text":"secret talk"}\n');
  writeFileSync(join(work, "a.txt"), "hello /usr/lib\n");
  symlinkSync(envFile, join(work, "link.txt"));

  const exec = createExecTool({ hiddenFiles: [configFile, envFile] });
  const run = async (command: string, args: string[], cwd = work) => {
    const context: ToolContext = { signal: new AbortController().signal, stateDir: state, settings: { exec: { commands: ["cat", "sed", "grep", "awk", "ls", "tar"], cwd, sandbox: "off" } }, untrusted: (text) => text };
    const result = await exec.run({ command, args }, context);
    return typeof result.content === "string" ? result.content : JSON.stringify(result.content);
  };

  const refused: { name: string; command: string; args: string[]; cwd?: string }[] = [
    { name: "gateway.env by a relative path", command: "sed", args: ["s/./& /g", "../.hearth/gateway.env"] },
    { name: "gateway.env by its absolute path", command: "awk", args: ["{ print substr($0, 22, 10) }", envFile] },
    { name: "gateway.env through a symlink in the working directory", command: "sed", args: ["s/./& /g", "link.txt"] },
    { name: "the config file", command: "cat", args: [configFile] },
    { name: "a session file in the state dir", command: "sed", args: ["s/./& /g", join(state, "sessions", "main.jsonl")] },
    { name: "the state dir by recursion", command: "grep", args: ["-ro", ".", state] },
    { name: "a folder holding gateway.env, by recursion", command: "grep", args: ["-ro", ".", ".."] },
    { name: "an option's attached value", command: "grep", args: [`-f${envFile}`, "a.txt"] },
    { name: "an option's value after =", command: "grep", args: [`--file=${envFile}`, "a.txt"] },
    { name: "the gateway's environment in /proc", command: "sed", args: ["s/./& /g", `/proc/${process.pid}/environ`] },
    { name: "a working directory that holds gateway.env", command: "cat", args: ["project/a.txt"], cwd: home },
  ];
  for (const entry of refused) {
    test(`refused: ${entry.name}`, async () => {
      const output = await run(entry.command, entry.args, entry.cwd);
      assert.match(output, /is not allowed with \w+: .*where hearth keeps keys and conversations/);
      assert.doesNotMatch(output, /canary|c a n a r y|secret talk/);
    });
  }

  test("what lies in the working directory is read as before, a pattern that reads as a path included", async () => {
    assert.match(await run("cat", ["a.txt"]), /^exit code 0\nhello \/usr\/lib/);
    assert.match(await run("grep", ["/usr/lib", "a.txt"]), /^exit code 0\nhello \/usr\/lib/);
    assert.match(await run("sed", ["s/hello/bye/", "a.txt"]), /^exit code 0\nbye \/usr\/lib/);
  });

  test("the default working directory, inside the state dir, is usable; the rest of the state dir is not", async () => {
    const workspace = join(state, "workspace");
    mkdirSync(workspace, { recursive: true });
    writeFileSync(join(workspace, "b.txt"), "in the workspace\n");
    assert.match(await run("cat", ["b.txt"], workspace), /^exit code 0\nin the workspace/);
    assert.match(await run("cat", ["../sessions/main.jsonl"], workspace), /where hearth keeps keys and conversations/);
  });
});

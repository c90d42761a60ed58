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
  // What a cloned repository can carry: a folder holding a link to the folder of gateway.env.
  mkdirSync(join(work, "cloned"));
  symlinkSync(join(home, ".hearth"), join(work, "cloned", "hh"));
  writeFileSync(join(work, "names"), `${envFile}\0`);

  const exec = createExecTool({ hiddenFiles: [configFile, envFile] });
  const run = async (command: string, args: string[], cwd = work) => {
    const context: ToolContext = { signal: new AbortController().signal, stateDir: state, settings: { exec: { commands: ["cat", "sed", "grep", "awk", "ls", "tar", "find", "sort", "wc"], cwd, sandbox: "off" } }, untrusted: (text) => text };
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
    // A second trial: reads whose file names exec never sees as arguments.
    { name: "awk getline < a name built at run time", command: "awk", args: [`BEGIN { f = "${envFile.slice(0, 5)}" "${envFile.slice(5)}"; while ((getline l < f) > 0) print substr(l, 1, 8), substr(l, 9) }`] },
    { name: "awk reading what ARGV is set to", command: "awk", args: [`BEGIN { ARGV[1] = "${envFile}"; ARGC = 2 } { gsub(/./, "& "); print }`] },
    { name: "grep -R following a link a clone carried", command: "grep", args: ["-R", "-o", "-h", "[A-Za-z0-9]\\{4\\}", "cloned"] },
    { name: "grep --dereference-recursive, abbreviated", command: "grep", args: ["--dereference-rec", "-o", ".", "cloned"] },
    { name: "find -L through that link", command: "find", args: ["-L", "cloned", "-name", "gateway.env"] },
    { name: "find -follow", command: "find", args: ["cloned", "-follow", "-name", "gateway.env"] },
    { name: "tar -h archiving through that link", command: "tar", args: ["-chf", "out.tar", "cloned"] },
  ];
  for (const entry of refused) {
    test(`refused: ${entry.name}`, async () => {
      const output = await run(entry.command, entry.args, entry.cwd);
      assert.match(output, /is not allowed with \w+: .*(where hearth keeps keys and conversations|exec cannot check|follows symlinks while walking folders)/);
      assert.doesNotMatch(output, /canary|c a n a r y|secret talk/);
    });
  }

  test("files named inside another file are refused, sandbox or not (sort, wc --files0-from)", async () => {
    for (const command of ["sort", "wc"]) {
      const output = await run(command, ["--files0-from=names"]);
      assert.match(output, /is not allowed with \w+: --files0-from: it reads files named inside another file/);
      assert.doesNotMatch(output, /canary/);
    }
  });

  test("grep -r over a folder holding the link a clone carried reads nothing through it (grep -r leaves the links it meets be); grep -R is refused", async () => {
    const output = await run("grep", ["-r", "-o", "canary", "cloned"]);
    assert.match(output, /^exit code 1/);
    assert.doesNotMatch(output, /canary/);
    assert.match(await run("grep", ["-R", "-o", "canary", "cloned"]), /^"-R" is not allowed with grep: it follows symlinks while walking folders/);
  });

  test("awk reading its own input, and getline of the next line, run as before", async () => {
    assert.match(await run("awk", ["{ getline; print $1 }", "a.txt"]), /^exit code 0\nhello/);
    assert.match(await run("awk", ["{ print NR \": \" $2 }", "a.txt"]), /^exit code 0\n1: \/usr\/lib/);
  });

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

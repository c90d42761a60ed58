import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { HOME_CREDENTIALS } from "../../../src/agent/tools/exec/guarded-places.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext, ToolSettings } from "../../../src/agent/tools/tool.js";

/**
 * Attack-run findings (t2 #1b, #2, #6), run for real through exec: a path swapped between the check
 * and the program's use (`tail -F` waiting for a name, a second call moving a link into place), a
 * working directory at the state dir (the sandbox then mounted it all, writable), and other programs'
 * keys (~/.ssh, ~/.bashrc's exported API key) read with no sandbox.
 */
const probe = new SandboxProbe();
const support = await probe.support();
const root = mkdtempSync(join(tmpdir(), "hearth-guarded-"));
after(() => rmSync(root, { recursive: true, force: true }));
const home = join(root, "home");
const state = join(root, "state");
const work = join(root, "project");
for (const folder of [join(home, ".ssh"), join(home, ".aws"), join(home, ".config", "gh"), join(state, "sessions"), join(state, "credentials", "whatsapp"), join(state, "workspace"), work]) mkdirSync(folder, { recursive: true });
writeFileSync(join(home, ".ssh", "id_ed25519"), "SSH-CANARY\n");
writeFileSync(join(home, ".aws", "credentials"), "aws_secret_access_key = AWS-CANARY\n");
writeFileSync(join(home, ".bashrc"), "export ANTHROPIC_API_KEY=sk-ant-api03-RC-CANARY\n");
writeFileSync(join(home, ".config", "gh", "hosts.yml"), "oauth_token: GH-CANARY\n");
writeFileSync(join(state, "sessions", "s1.jsonl"), '{"text":"SESSION-CANARY"}\n');
writeFileSync(join(state, "credentials", "whatsapp", "creds.json"), '{"noiseKey":"WA-CANARY"}\n');
writeFileSync(join(work, "a.txt"), "hello\n");

const exec = createExecTool({ probe, hiddenFiles: [], home });
const context = (settings: Partial<NonNullable<ToolSettings["exec"]>>, signal = new AbortController().signal): ToolContext => ({
  signal,
  stateDir: state,
  settings: { exec: { commands: ["cat", "sed", "grep", "ls", "cp", "mv", "tail"], cwd: work, sandbox: "off", ...settings } },
  untrusted: (text) => text,
});
const run = async (command: string, args: string[], settings: Partial<NonNullable<ToolSettings["exec"]>> = {}) => (await exec.run({ command, args }, context(settings))).content;
const CANARY = /CANARY/;

describe("with no sandbox, other programs' credential places are kept from exec like hearth's own", () => {
  const refused: [string, string[]][] = [
    ["cat", [join(home, ".ssh", "id_ed25519")]],
    ["sed", ["-n", "s/^export ANTHROPIC_API_KEY=sk-ant-api03-//p", join(home, ".bashrc")]],
    ["cat", ["../home/.aws/credentials"]],
    ["grep", ["-r", "oauth", join(home, ".config")]],
    ["grep", ["-ro", ".", home]],
    ["cat", [`--show-all`, join(home, ".config", "gh", "hosts.yml")]],
  ];
  for (const [command, args] of refused) {
    test(`refused: ${command} ${args.join(" ")}`, async () => {
      const output = await run(command, args);
      assert.match(output, /is not allowed with \w+: it leads to .*, where other programs keep keys and logins; with no sandbox exec never reads there/);
      assert.doesNotMatch(output, CANARY);
    });
  }

  test("a working directory that holds them, or lies in one, is refused", async () => {
    assert.match(await run("cat", [".ssh/id_ed25519"], { cwd: home }), /the working directory holds .*\.ssh, where other programs keep keys and logins/);
    assert.match(await run("cat", ["id_ed25519"], { cwd: join(home, ".ssh") }), /the working directory .*\.ssh lies in .*\.ssh, where other programs keep keys and logins/);
  });

  test("the list covers the brief's places, and docs/security.md names every one", () => {
    for (const place of [".ssh", ".aws", ".gnupg", ".netrc", ".git-credentials", ".docker/config.json", ".kube", ".npmrc", ".pypirc", ".config/gh", ".bashrc", ".profile", ".bash_profile", ".zshrc", ".zshenv", ".config/environment.d"]) {
      assert.ok(HOME_CREDENTIALS.some((entry) => place === entry || place.startsWith(`${entry}/`)), place);
    }
    const doc = readFileSync(new URL("../../../docs/security.md", import.meta.url), "utf8");
    for (const place of HOME_CREDENTIALS) assert.ok(doc.includes(`~/${place}`), `docs/security.md names ~/${place}`);
  });
});

const modes = [
  { name: "without the sandbox", sandbox: "off" as const, skip: false as const },
  { name: "inside the sandbox", sandbox: "require" as const, skip: support.kind === "none" ? `no OS sandbox here: ${support.reason}` : (false as const) },
];
for (const mode of modes) {
  describe(`a working directory in the state dir is refused, ${mode.name}`, { skip: mode.skip }, () => {
    for (const cwd of [".", "sessions", "credentials/whatsapp", state]) {
      test(`tools.exec.cwd ${JSON.stringify(cwd)}`, async () => {
        for (const [command, args] of [["cat", ["sessions/s1.jsonl"]], ["cat", ["creds.json"]], ["cp", ["s1.jsonl", "forged.jsonl"]]] as const) {
          const output = await run(command, [...args], { cwd, sandbox: mode.sandbox });
          assert.match(output, /is not allowed with \w+: the working directory .* lies in the state dir .*, where hearth keeps sessions, logs and credentials/);
          assert.doesNotMatch(output, CANARY);
        }
        assert.ok(!existsSync(join(state, "sessions", "forged.jsonl")));
      });
    }

    test("its workspace (the default) still works, and the rest of the state dir stays out of reach", async () => {
      writeFileSync(join(state, "workspace", "b.txt"), "in the workspace\n");
      assert.match(await run("cat", ["b.txt"], { cwd: undefined, sandbox: mode.sandbox }), /^exit code 0\nin the workspace/);
      const output = await run("cat", ["../sessions/s1.jsonl"], { cwd: undefined, sandbox: mode.sandbox });
      assert.doesNotMatch(output, CANARY);
    });
  });
}

describe("with no sandbox, a path cannot be swapped between the check and the program's use", () => {
  test("tail's options that wait and open a name again are refused; -f (the file opened once) runs", async () => {
    for (const args of [["-F", "x/sessions/s1.jsonl"], ["--follow=name", "a.txt"], ["--follow=n", "a.txt"], ["--retry", "-f", "a.txt"], ["-qF", "a.txt"]]) {
      assert.match(await run("tail", args), /is not allowed with tail: it waits and opens the file again by its name/, args.join(" "));
    }
    assert.match(await run("tail", ["-n1", "a.txt"]), /^exit code 0\nhello/);
    assert.match(await run("tail", ["--follow=descriptor", "a.txt"], { timeoutSeconds: 1 }), /^killed after 1 s/);
  });

  test("a dangling symlink is followed by its target: a write through it into the state dir is refused", async () => {
    symlinkSync(join(state, "sessions", "forged.jsonl"), join(work, "dangling"));
    assert.match(await run("cp", ["a.txt", "dangling"]), /is not allowed with cp: it leads to .*forged\.jsonl, inside .*state, where hearth keeps keys and conversations/);
    assert.ok(!existsSync(join(state, "sessions", "forged.jsonl")));
  });

  test("exec calls run one at a time: a second call starts only once the first has ended", async () => {
    const order: string[] = [];
    const first = exec.run({ command: "tail", args: ["-f", "a.txt"] }, context({ timeoutSeconds: 1 })).then(() => order.push("tail -f ended"));
    const second = exec.run({ command: "cat", args: ["a.txt"] }, context({})).then(() => order.push("cat ended"));
    await Promise.all([first, second]);
    assert.deepEqual(order, ["tail -f ended", "cat ended"]);
  });

  test("a call cancelled while it waits for its turn never runs", async () => {
    const controller = new AbortController();
    const first = exec.run({ command: "tail", args: ["-f", "a.txt"] }, context({ timeoutSeconds: 1 }));
    const second = exec.run({ command: "cp", args: ["a.txt", "copied.txt"] }, context({}, controller.signal));
    controller.abort();
    assert.match((await second).content, /^killed: the turn was cancelled \(before this call's turn came/);
    await first;
    assert.ok(!existsSync(join(work, "copied.txt")));
  });
});

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import { endingSignal } from "../../../src/agent/tools/exec/resource-limits.js";
import { SandboxProbe } from "../../../src/agent/tools/exec/sandbox.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

const MiB = 1024 * 1024;

/**
 * A trial filled the disk with exec (two 1 GiB tars per reply, many replies a turn): what one turn's
 * calls add under the working directory is bounded, sandbox or not, and the model is told when it is hit.
 */
describe("exec: what one turn may add to the disk", () => {
  const root = mkdtempSync(join(tmpdir(), "hearth-turn-disk-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const state = join(root, "state");
  mkdirSync(state, { recursive: true });

  for (const sandbox of ["off", "require"] as const) {
    test(`sandbox ${sandbox}: past the limit a call is stopped or noted, and the turn's later calls do not run; the next turn may`, async (t) => {
      if (sandbox === "require" && (await new SandboxProbe().support()).kind === "none") return t.skip("no OS sandbox here");
      const work = join(root, `work-${sandbox}`);
      mkdirSync(work, { recursive: true });
      // Real data (not sparse, not compressible by the file system): 6 MiB.
      writeFileSync(join(work, "big"), randomBytes(6 * MiB));
      const exec = createExecTool({ home: join(root, "home"), turnDiskBytes: 8 * MiB });
      const turn = {};
      const run = async (args: string[], inTurn: object) => {
        const context: ToolContext = { signal: new AbortController().signal, stateDir: state, turn: inTurn, settings: { exec: { commands: ["cp"], cwd: work, sandbox } }, untrusted: (text) => text };
        return exec.run({ command: "cp", args }, context);
      };
      const first = await run(["big", "c1"], turn);
      assert.match(first.content, /^exit code 0/);
      const second = await run(["big", "c2"], turn);
      assert.equal(second.isError, true);
      assert.match(second.content, /this turn's exec calls have added \d+ MiB under .*, more than the 8 MiB one turn may add \(exec's disk limit\)/);
      const third = await run(["big", "c3"], turn);
      assert.match(third.content, /^Not run: this turn's exec calls have added/);
      assert.equal(existsSync(join(work, "c3")), false);
      const nextTurn = await run(["big", "c4"], {});
      assert.match(nextTurn.content, /^exit code 0/);
    });
  }

  test("a program still writing past the limit is stopped, and the model told why", async () => {
    const work = join(root, "work-writer");
    mkdirSync(work, { recursive: true });
    const exec = createExecTool({ home: join(root, "home"), turnDiskBytes: 4 * MiB });
    const context: ToolContext = { signal: new AbortController().signal, stateDir: state, turn: {}, settings: { exec: { commands: ["tar"], cwd: work, sandbox: "off", timeoutSeconds: 120 } }, untrusted: (text) => text };
    // Archives /usr (far more than 4 MiB): it is stopped on the way, not left to write it all.
    const result = await exec.run({ command: "tar", args: ["-c", "-f", "big.tar", "/usr"] }, context);
    assert.match(result.content, /^killed: this turn's exec calls have added \d+ MiB under .*, more than the 4 MiB one turn may add/);
    assert.equal(result.isError, true);
  });

  test("a signal that reaches hearth as bubblewrap's exit code (128 + its number) is named, SIGXFSZ with it", () => {
    assert.equal(endingSignal({ exitCode: 153, signal: null }, true), "SIGXFSZ");
    assert.equal(endingSignal({ exitCode: 137, signal: null }, true), "SIGKILL");
    assert.equal(endingSignal({ exitCode: 153, signal: null }, false), null, "without the sandbox an exit code is the program's own");
    assert.equal(endingSignal({ exitCode: 1, signal: null }, true), null);
  });
});

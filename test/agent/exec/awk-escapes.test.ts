import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createExecTool } from "../../../src/agent/tools/exec.js";
import type { ToolContext } from "../../../src/agent/tools/tool.js";

/**
 * awk programs found by an attack run (session 3) that the program reader misread: the awk on this
 * machine writes the marker through each, while the reader took the redirection for text (a line
 * joined by a backslash, a print going on after a comma or inside parentheses, a regular expression
 * after `else`, `do` or `if (…)`, a `]` first in a bracket after `^`). The control shows each writes.
 */
let root = "";
let work = "";
let marker = "";
const programs: { name: string; program: () => string }[] = [
  { name: "a backslash joins the redirection to the print", program: () => `BEGIN { print "x" \\\n > "${marker}" }` },
  { name: "a print goes on after a comma at a line's end", program: () => `BEGIN { print "a",\n "b" > "${marker}" }` },
  { name: "a print goes on inside parentheses", program: () => `BEGIN { print ("a",\n "b") > "${marker}" }` },
  { name: "a regular expression after else", program: () => `BEGIN { if (0) x = 1; else /"/ ; print "x" > "${marker}" ; /"/ }` },
  { name: "a regular expression after do", program: () => `BEGIN { do /"/ ; while (0); print 1 > "${marker}" ; /"/ }` },
  { name: "a regular expression with ] first after ^ in a bracket", program: () => `BEGIN { if ("q" ~ /[^]/"]/) print "x" > "${marker}" } # "` },
  { name: "a division on a line joined by a backslash", program: () => `BEGIN { a = 4; x = a \\\n/ 2; print "x" > "${marker}"; y = 3 / 1 }` },
];

before(() => {
  root = mkdtempSync(join(tmpdir(), "hearth-awk-"));
  work = join(root, "work");
  mkdirSync(work);
  marker = join(root, "escaped");
});
after(() => rmSync(root, { recursive: true, force: true }));

const context = (): ToolContext => ({ signal: new AbortController().signal, stateDir: join(root, "state"), settings: { exec: { commands: ["awk"], cwd: work, sandbox: "off" } }, untrusted: (text) => text });

describe("control: the awk here writes the file through each program", () => {
  for (const entry of programs) {
    test(entry.name, () => {
      rmSync(marker, { force: true });
      const run = spawnSync("awk", [entry.program()], { cwd: work, encoding: "utf8", timeout: 10_000 });
      assert.ok(existsSync(marker), `awk wrote nothing, so the guarded case could not fail: ${run.stderr}`);
    });
  }
});

describe("exec refuses each (sandbox off: the guard alone)", () => {
  for (const entry of programs) {
    test(entry.name, async () => {
      rmSync(marker, { force: true });
      const result = await createExecTool().run({ command: "awk", args: [entry.program()] }, context());
      assert.equal(result.isError, true, result.content);
      assert.match(result.content, /is not allowed with awk: (output redirection in print writes a file|a pipe runs a shell command|system\(\) runs a shell command)/);
      assert.ok(!existsSync(marker));
    });
  }
});

test("ordinary programs still run: division after a closing parenthesis, a regex after if (…), [/] in a bracket", async () => {
  for (const program of ["BEGIN { x = (4) / 2; y = x / 1; print x, y }", 'BEGIN { if ("a/b" ~ /[/]/) print "slash" }', 'BEGIN { print "a, b > c" }']) {
    const result = await createExecTool().run({ command: "awk", args: [program] }, context());
    assert.equal(result.isError, false, `${program}: ${result.content}`);
  }
});

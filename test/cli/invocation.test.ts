import assert from "node:assert/strict";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { invokedAs } from "../../src/cli/invocation.js";
import { tempDir } from "../helpers/run-cli.js";

test("invokedAs: the name on PATH only when it is this script; npx under npm exec; else a path that can be pasted", () => {
  const temp = tempDir();
  try {
    const checkout = join(temp.dir, "my checkout");
    mkdirSync(join(checkout, "bin"), { recursive: true });
    const script = join(checkout, "bin/hearth");
    writeFileSync(script, "#!/usr/bin/env node\n");
    chmodSync(script, 0o755);
    const linked = join(temp.dir, "linked");
    const other = join(temp.dir, "other");
    mkdirSync(linked);
    mkdirSync(other);
    symlinkSync(script, join(linked, "hearth"));
    writeFileSync(join(other, "hearth"), "#!/bin/sh\n");
    chmodSync(join(other, "hearth"), 0o755);

    assert.equal(invokedAs({ script, env: { PATH: linked }, cwd: temp.dir }), "hearth");
    assert.equal(invokedAs({ script, env: { PATH: `${other}:${linked}` }, cwd: checkout }), "./bin/hearth", "another hearth comes first on PATH");
    assert.equal(invokedAs({ script, env: { PATH: "" }, cwd: temp.dir }), "'./my checkout/bin/hearth'", "quoted for the shell");
    assert.equal(invokedAs({ script, env: { PATH: "" }, cwd: other }), `'${script}'`, "from outside the checkout: the absolute path");
    assert.equal(invokedAs({ script, env: { PATH: linked, npm_command: "exec" }, cwd: temp.dir }), "npx hearth");
  } finally {
    temp.cleanup();
  }
});

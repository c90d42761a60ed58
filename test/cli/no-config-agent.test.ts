// A trial deleted the config file and ran `hearth agent`: it said "no model is configured: set
// agents.defaults.model.primary", as if the file were there and empty. Later (t15 #2) it refused while
// the gateway, same HOME, answered on its built-in default. It now runs on that default too, saying
// once that the file is missing, where it looked, what runs instead and how to write one.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("hearth agent with no config file runs on the built-in default, said once with the file it looked for", async () => {
  const temp = tempDir();
  try {
    const result = await runCli(["agent", "-m", "hi"], { env: { HOME: temp.dir, HEARTH_STATE_DIR: join(temp.dir, "state") } });
    const said = new RegExp(`^hearth: no config file at ${escaped(join(temp.dir, ".hearth", "hearth.json5"))}: running on the built-in default \\(LM Studio at 127\\.0\\.0\\.1:1, then the hosted models whose keys are set\\); \`\\./bin/hearth init\` writes a config to edit$`, "gm");
    assert.equal(result.stderr.match(said)?.length, 1, result.stderr);
    // Nothing listens where run-cli points the default: the default's model was asked, and the address is named.
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lmstudio\/minimax-m2\.1-gs32: unreachable — cannot reach 127\.0\.0\.1:1: connection refused/);
    assert.doesNotMatch(result.stderr, /no model is configured/);
  } finally {
    temp.cleanup();
  }
});

// A trial deleted the config file and ran `hearth agent`: it said "no model is configured: set
// agents.defaults.model.primary", as if the file were there and empty. It now says the file is missing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

test("hearth agent with no config file says there is none, where it looked", async () => {
  const temp = tempDir();
  try {
    const result = await runCli(["agent", "-m", "hi"], { env: { HOME: temp.dir, HEARTH_STATE_DIR: join(temp.dir, "state") } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^hearth: no model is configured: there is no config file at ${join(temp.dir, ".hearth", "hearth.json5").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}; set agents\\.defaults\\.model\\.primary \\(`, "m"), result.stderr);
  } finally {
    temp.cleanup();
  }
});

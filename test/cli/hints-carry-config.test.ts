import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

/**
 * A hint that names a command names it with the flags that chose the config: pasted as printed, it works
 * on the config the hint was about, never on ~/.hearth/hearth.json5 (t3 finding 6: `models discover
 * --config X` told to run `models discover --write`, which wrote the default config).
 */
describe("hints carry the --config they were given", () => {
  let llamacpp: FakeServer;
  const temp = tempDir();
  before(async () => {
    llamacpp = await startLlamaCpp({ alias: "stories260k", nCtx: 2048, supportsTools: true });
  });
  after(async () => {
    await llamacpp.close();
    temp.cleanup();
  });

  test("models discover --config X --url U: the --write it suggests has both, and pasted as printed it writes X", async () => {
    const home = join(temp.dir, "home");
    const file = temp.write("alt config.json5", `{ agents: { defaults: { model: { primary: "anthropic/claude-sonnet-4-5" } } } }\n`);
    const shown = await runCli(["models", "discover", "--config", file, "--url", llamacpp.url], { env: { HOME: home } });
    assert.equal(shown.code, 0, shown.stderr);
    const hinted = /with `\S*hearth ([^`]*)`/.exec(shown.stdout);
    assert.ok(hinted, shown.stdout);
    assert.equal(hinted[1], `--config '${file}' models discover --url ${llamacpp.url} --write`);
    const words = [...hinted[1].matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? "");
    const pasted = await runCli(words, { env: { HOME: home } });
    assert.equal(pasted.code, 0, pasted.stderr);
    assert.match(readFileSync(file, "utf8"), /stories260k/, "the config the hint was about got the server");
    assert.equal(existsSync(join(home, ".hearth", "hearth.json5")), false, "the default config was not written");
  });

  test("a hint from the ops layer (`hearth …` in a remedy) names the command with the same --config", async () => {
    const file = temp.write("broken.json5", `{ agents: { defaults: { model: { primary: "nope/none" } } } }\n`);
    const result = await runCli(["doctor", "--config", file], { env: { HOME: join(temp.dir, "home2"), HEARTH_STATE_DIR: join(temp.dir, "state2") } });
    const named = [...result.stdout.matchAll(/`\S*hearth ([a-z-]+ [^`]*|[a-z-]+)`/g)].map((match) => match[1]);
    assert.ok(named.length > 0, result.stdout);
    for (const line of result.stdout.split("\n").filter((text) => /`\S*hearth /.test(text))) assert.match(line, new RegExp(`\`\\S*hearth --config ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} `), line);
  });
});

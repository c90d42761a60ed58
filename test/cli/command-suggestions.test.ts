// A mistyped or near subcommand, at any depth, names the real one — `config check` (the trial: only
// "unknown command 'check'") suggests `config validate`, the words users try (check, lint, ls, rm…) as
// suggestions, never as commands that run. Exit 2, as for any usage error; one JSON document with --json.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";

describe("unknown subcommands suggest the one meant", () => {
  const temp = tempDir();
  const hearth = "\\./bin/hearth";

  const refused = async (args: string[]): Promise<string> => {
    const result = await runCli(args, { env: { HOME: temp.dir, HEARTH_CONFIG: `${temp.dir}/none.json5` } });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stdout}${result.stderr}`);
    assert.equal(result.stdout, "", "a suggestion runs nothing");
    return result.stderr.split("\n")[0] ?? "";
  };

  test("a word users try for a subcommand: config check/lint/test → config validate, models ls → models list, sessions rm → sessions delete", async () => {
    for (const word of ["check", "lint", "test"]) {
      assert.equal(await refused(["config", word]), `error: unknown command '${word}' for \`./bin/hearth config\`; did you mean \`./bin/hearth config validate\`?`);
    }
    assert.match(await refused(["models", "ls"]), new RegExp(`; did you mean \`${hearth} models list\`\\?$`));
    assert.match(await refused(["sessions", "rm", "main"]), new RegExp(`; did you mean \`${hearth} sessions delete\`\\?$`));
    assert.match(await refused(["check"]), new RegExp(`^error: unknown command 'check'; did you mean \`${hearth} doctor\`\\?$`));
  });

  test("a typo at any depth, and a slip of one letter from a word users try", async () => {
    assert.match(await refused(["confg", "validate"]), new RegExp(`^error: unknown command 'confg'; did you mean \`${hearth} config\`\\?$`));
    assert.match(await refused(["models", "discvoer"]), new RegExp(`did you mean \`${hearth} models discover\`\\?$`));
    assert.match(await refused(["config", "chek"]), new RegExp(`did you mean \`${hearth} config validate\`\\?$`));
    assert.match(await refused(["security", "adit"]), new RegExp(`did you mean \`${hearth} security audit\`\\?$`));
  });

  test("under a command that runs by itself (gateway): a word after it is a subcommand mistyped, not 'too many arguments'", async () => {
    assert.match(await refused(["gateway", "stat"]), new RegExp(`^error: unknown command 'stat' for \`${hearth} gateway\`; did you mean \`${hearth} gateway status\`\\?$`));
    assert.match(await refused(["gateway", "start"]), new RegExp(`did you mean one of \`${hearth} gateway\`, `), "start runs the gateway itself");
  });

  test("a word nothing is near: said unknown, with no guess", async () => {
    assert.equal(await refused(["config", "xyzzy"]), "error: unknown command 'xyzzy' for `./bin/hearth config`");
  });

  test("--json: one JSON document with the suggestion", async () => {
    const result = await runCli(["config", "check", "--json"], { env: { HOME: temp.dir, HEARTH_CONFIG: `${temp.dir}/none.json5` } });
    assert.equal(result.code, 2);
    assert.deepEqual(JSON.parse(result.stdout), { error: "unknown command 'check' for `./bin/hearth config`; did you mean `./bin/hearth config validate`?", details: [], exitCode: 2 });
  });
});

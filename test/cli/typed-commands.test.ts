// doctor writes each remedy's `hearth …` command the way the user runs it (./bin/hearth …), and used to do it
// to the word itself in prose: "(hearth cannot see it …)" became "(./hearth/bin/hearth cannot see it …)".
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { asTyped, HEARTH_COMMANDS } from "../../src/cli/io.js";
import { runCli } from "../helpers/run-cli.js";

describe("a remedy's commands, as the user types them", () => {
  const io = { command: "./bin/hearth" };

  test("hearth's commands are rewritten, in code spans, parentheses or plain; the word in prose is not", () => {
    assert.equal(asTyped(io, "run `hearth models status --probe`"), "run `./bin/hearth models status --probe`");
    assert.equal(asTyped(io, "reload it (hearth models unload m && hearth models load m)"), "reload it (./bin/hearth models unload m && ./bin/hearth models load m)");
    assert.equal(asTyped(io, "hearth doctor --fix removes them"), "./bin/hearth doctor --fix removes them");
    assert.equal(asTyped(io, "each slot has its own (hearth cannot see it and still waits): hearth sends requests at once"), "each slot has its own (hearth cannot see it and still waits): hearth sends requests at once");
    assert.equal(asTyped(io, "hearth's log; the hearth server"), "hearth's log; the hearth server");
  });

  test("the list is the program's own top-level commands", async () => {
    const help = await runCli(["--help", "--json"]);
    const names = (JSON.parse(help.stdout) as { commands: { name: string }[] }).commands.map((command) => command.name).filter((name) => name !== "help");
    assert.deepEqual([...names].sort(), [...HEARTH_COMMANDS].sort());
  });
});

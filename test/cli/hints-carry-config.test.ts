import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { asTyped, commandLine } from "../../src/cli/io.js";
import { freePort } from "../helpers/free-port.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { fakeSystemctl, unitOf } from "../helpers/service-unit.js";

/** The words of a command line as a POSIX shell splits them (plain words and '…' quoted ones: what shellQuote writes). */
const shellWords = (line: string): string[] => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? "");
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * A hint that names a command reading the config names it with the --config the user gave: pasted as
 * printed, it works on the config the hint was about, never on ~/.hearth/hearth.json5 (trial: `models
 * discover --config X` told to run `models discover --write`, which wrote the default config). Without a
 * --config, hints are as they were.
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
    const hinted = /with `\.\/bin\/hearth ([^`]*)`/.exec(shown.stdout);
    assert.ok(hinted, shown.stdout);
    assert.equal(hinted[1], `--config '${file}' models discover --url ${llamacpp.url} --write`);
    const pasted = await runCli(shellWords(hinted[1]), { env: { HOME: home } });
    assert.equal(pasted.code, 0, pasted.stderr);
    assert.match(readFileSync(file, "utf8"), /stories260k/, "the config the hint was about got the server");
    assert.equal(existsSync(join(home, ".hearth", "hearth.json5")), false, "the default config was not written");

    // No --config given: the hint is as it always was.
    const plain = await runCli(["models", "discover", "--url", llamacpp.url], { env: { HOME: join(temp.dir, "home-plain") } });
    assert.match(plain.stdout, new RegExp(`with \`\\./bin/hearth models discover --url ${escaped(llamacpp.url)} --write\``), plain.stdout);
  });

  test("a remedy from the ops layer (`hearth …` in doctor's fixes) names every command that reads the config with the same --config", async () => {
    const file = temp.write("broken.json5", `{ agents: { defaults: { model: { primary: "nope/none" } } } }\n`);
    const result = await runCli(["doctor", "--config", file], { env: { HOME: join(temp.dir, "home2"), HEARTH_STATE_DIR: join(temp.dir, "state2") } });
    const lines = result.stdout.split("\n").filter((text) => /`\.\/bin\/hearth /.test(text));
    assert.ok(lines.length > 0, result.stdout);
    for (const line of lines) assert.match(line, new RegExp(`\`\\./bin/hearth --config ${escaped(file)} `), line);
  });

  test("the rule, at its one place: commands that read no config (logs, sessions, pairing, channels login/logout) are named without it; shell-quoted", () => {
    const io = { command: "./bin/hearth", configFlag: "my config's.json5" };
    const quoted = `'my config'\\''s.json5'`;
    assert.equal(commandLine(io, "models status --probe"), `./bin/hearth --config ${quoted} models status --probe`);
    assert.equal(commandLine(io, "sessions list"), "./bin/hearth sessions list");
    assert.equal(commandLine(io, "--help"), "./bin/hearth --help");
    assert.equal(
      asTyped(io, "run `hearth logs -f`, `hearth pairing approve CODE`, `hearth channels login whatsapp`, `hearth channels status` and `hearth init`; hearth sends"),
      `run \`./bin/hearth logs -f\`, \`./bin/hearth pairing approve CODE\`, \`./bin/hearth channels login whatsapp\`, \`./bin/hearth --config ${quoted} channels status\` and \`./bin/hearth --config ${quoted} init\`; hearth sends`,
    );
    assert.equal(commandLine({ command: "hearth" }, "doctor"), "hearth doctor", "no --config given: as it was");
    // A config path with a terminal escape in it: never raw on the terminal, and bash reads the word back as it was.
    const odd = "/tmp/no\u001b]0;T\u0007such 'x'.json5";
    const line = commandLine({ command: "hearth", configFlag: odd }, "init");
    assert.ok(![...line].some((character) => character.charCodeAt(0) < 0x20), line);
    assert.deepEqual(execFileSync("bash", ["-c", `printf '%s\\n' ${line.slice("hearth ".length)}`], { encoding: "utf8" }).trimEnd().split("\n"), ["--config", odd, "init"]);
  });

  test("agent --config X: the failed turn's hints (retry, probe) carry it", async () => {
    const file = temp.write("down.json5", `{ agents: { defaults: { model: { primary: "local/m" } } }, models: { mode: "replace", providers: { local: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    const env = { HOME: join(temp.dir, "home3"), HEARTH_STATE_DIR: join(temp.dir, "state3") };
    const lost = await runCli(["agent", "--config", file, "-s", "side", "-m", "hello"], { env });
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, new RegExp(`\`\\./bin/hearth --config ${escaped(file)} agent -s side --retry\` sends it again, \`\\./bin/hearth --config ${escaped(file)} models status --probe\` shows what is wrong`), lost.stderr);
  });

  test("gateway install --config X: the service runs X (its command line says so), and gateway status says which config it runs", async () => {
    const home = join(temp.dir, "service home");
    const port = await freePort();
    const config = temp.write("service config.json5", `{ gateway: { port: ${port} } }`);
    const bin = fakeSystemctl(join(temp.dir, "bin"), "ActiveState=failed\\nSubState=failed\\nExecMainStatus=1\\nMainPID=0\\n");
    const env = { HOME: home, HEARTH_STATE_DIR: join(temp.dir, "service-state"), PATH: `${bin}:${process.env.PATH ?? ""}` };
    await runCli(["gateway", "install", "--config", config], { env });
    const unit = readFileSync(unitOf(home), "utf8");
    assert.match(unit, new RegExp(`^ExecStart=.* "gateway" "--config" "${escaped(config)}"$`, "m"), unit);
    const same = await runCli(["gateway", "status", "--config", config], { env });
    assert.match(same.stdout, new RegExp(`^service: runs the config ${escaped(config)} \\(its --config\\)$`, "m"), same.stdout);
    const other = await runCli(["gateway", "status"], { env });
    assert.match(
      other.stdout,
      new RegExp(`^service: runs the config ${escaped(config)} \\(its --config\\), not ${escaped(join(home, ".hearth", "hearth.json5"))}, which this command reads: \`\\./bin/hearth gateway install\` makes it run that one$`, "m"),
      other.stdout,
    );
    const json = JSON.parse((await runCli(["gateway", "status", "--json", "--config", config], { env })).stdout) as { service: { config?: string | null } };
    assert.equal(json.service.config, config);
  });
});

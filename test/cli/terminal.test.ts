import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import JSON5 from "json5";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { ptyMissing, runInPty } from "../helpers/pty.js";
import { hearthBin, repoRoot, runCli, tempDir, type CliResult } from "../helpers/run-cli.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";

/** Runs bin/hearth with its stdout already closed by the reader, as `| head -1` does once it has its line. */
function runWithClosedStdout(args: readonly string[], env: NodeJS.ProcessEnv = {}, input = ""): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [hearthBin, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: "/nonexistent-home", NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdin.end(input);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout: "", stderr }));
  });
}

/** Runs a program directly (not through `node bin/hearth`), as a shell would find it. */
function runProgram(file: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { cwd: options.cwd, env: options.env }, (error, stdout, stderr) => {
      resolvePromise({ code: error && typeof error.code === "number" ? error.code : error ? 1 : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe("the terminal: streams, help, names, stdin", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });

  async function modelConfig(name: string): Promise<{ file: string; server: FakeServer; said: () => string[] }> {
    const server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `got: ${lastUser(turns)}` })));
    servers.push(server);
    const file = temp.write(
      `${name}.json5`,
      `{ agents: { defaults: { model: { primary: "local/m", fallbacks: ["local/big"] }, models: { "local/m": { alias: "Small" }, "local/big": { alias: "Big" } } } },
         models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }, { id: "big", contextWindow: 65536 }] } } } }`,
    );
    const said = (): string[] =>
      server.requests.filter((request) => request.method === "POST").map((request) => lastUser(conversationOf("openai-completions", request.body as Record<string, unknown>)));
    return { file, server, said };
  }

  test("a reader that closed stdout (| head) ends every command quietly with exit 0", async () => {
    const { file } = await modelConfig("epipe");
    const env = { HEARTH_STATE_DIR: join(temp.dir, "epipe") };
    const first = await runCli(["agent", "--config", file, "--session", "talk", "--message", "hello"], { env });
    assert.equal(first.code, 0, first.stderr);
    const commands: (readonly string[])[] = [
      ["models", "list", "--all"],
      ["models", "list", "--all", "--json"],
      ["sessions", "list"],
      ["sessions", "export", "talk"],
      ["sessions", "show", "talk", "--json"],
      ["config", "show", "--config", file],
      ["--help"],
    ];
    for (const args of commands) {
      // No config file: the built-in default (looked for where nothing listens) is said on stderr, with its chain's advice — and nothing else.
      const result = await runWithClosedStdout(args, { ...env, HEARTH_LMSTUDIO_URL: "http://127.0.0.1:1/v1" });
      const said = result.stderr.split("\n").filter((line) => line !== "" && !line.startsWith("hearth: no config file at ") && !line.startsWith("warning: agents.defaults.model: no fallback"));
      assert.deepEqual(said, [], `${args.join(" ")}: nothing else on stderr, no EPIPE stack`);
      assert.equal(result.code, 0, `${args.join(" ")}: exit 0`);
    }
    const chat = await runWithClosedStdout(["chat", "--config", file, "--session", "piped"], env, "one\ntwo\n");
    assert.deepEqual([chat.code, chat.stderr], [0, ""], "chat in a pipe too");
  });

  test("hearth with no command prints the help on stderr and exits 2 (usage); --help is help on stdout, exit 0", async () => {
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.equal(bare.stdout, "");
    assert.match(bare.stderr, /Usage: .*hearth \[options\] \[command\]/);
    assert.match(bare.stderr, /models\s+the models hearth can use/);
    const group = await runCli(["sessions"]);
    assert.equal(group.code, 2, "a command group without its subcommand is usage too");
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: /);
  });

  test("-h --json and --version --json print one JSON document", async () => {
    const help = await runCli(["-h", "--json"]);
    assert.equal(help.code, 0, help.stderr);
    const described = JSON.parse(help.stdout) as { usage: string; commands: { name: string }[]; options: { flags: string }[] };
    assert.ok(described.commands.some((command) => command.name === "chat"));
    assert.ok(described.options.some((option) => option.flags === "-v, --version"));
    const sub = await runCli(["models", "list", "--help", "--json"]);
    assert.equal(sub.code, 0, sub.stderr);
    assert.ok((JSON.parse(sub.stdout) as { options: { flags: string }[] }).options.some((option) => option.flags === "--all"));
    const version = await runCli(["--version", "--json"]);
    assert.equal(version.code, 0, version.stderr);
    assert.deepEqual(JSON.parse(version.stdout), { name: "hearth", version: JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version });
    const bare = await runCli(["--json"]);
    assert.equal(bare.code, 2);
    assert.deepEqual(Object.keys(JSON.parse(bare.stdout)), ["error", "details", "exitCode"], "no command with --json: the usage error as JSON, the shape every error has");
    assert.equal((JSON.parse(bare.stdout) as { exitCode: number }).exitCode, 2);
  });

  test("--json on a command that has none (chat, sessions export, channels login): the usage error in the same JSON shape; logs' --json says it prints JSON lines", async () => {
    for (const args of [["chat"], ["sessions", "export", "k"], ["channels", "login", "whatsapp"]]) {
      const result = await runCli([...args, "--json"]);
      assert.equal(result.code, 2, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { error: "unknown option '--json'", details: [], exitCode: 2 }, args.join(" "));
    }
    const logs = await runCli(["logs", "--help"]);
    assert.match(logs.stdout, /--json +print the log's JSON lines as written, one per entry/);
  });

  test("hints name the command the way it was run: ./bin/hearth from the checkout, its path elsewhere, hearth when on PATH", async () => {
    const home = tempDir();
    try {
      const env = { HOME: home.dir };
      const fromCheckout = await runCli(["config", "path"], { env });
      assert.match(fromCheckout.stderr, /`\.\/bin\/hearth init` writes a starter config/);
      const elsewhere = await runCli(["config", "path"], { env, cwd: home.dir });
      assert.ok(elsewhere.stderr.includes(`\`${hearthBin} init\` writes a starter config`), elsewhere.stderr);

      const onPath = join(home.dir, "bin");
      mkdirSync(onPath);
      symlinkSync(hearthBin, join(onPath, "hearth"));
      const pathEnv = { PATH: `${onPath}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home.dir, NO_COLOR: "1" };
      const installed = await runProgram(join(onPath, "hearth"), ["config", "path"], { env: pathEnv, cwd: home.dir });
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stderr, /\(no file there yet: `hearth init` writes a starter config\)/);
      const missing = await runProgram(join(onPath, "hearth"), ["models", "list", "--config", "nope.json5"], { env: pathEnv, cwd: home.dir });
      assert.match(missing.stderr, /run `hearth --config nope\.json5 init` to write a starter config there/, "the config loader's fix too, on the --config given");
    } finally {
      home.cleanup();
    }
  });

  test("bin/hearth before npm install: one line saying to run npm install, no stack", async () => {
    const copy = tempDir();
    try {
      for (const part of ["bin", "src", "package.json"]) cpSync(join(repoRoot, part), join(copy.dir, part), { recursive: true });
      assert.ok(!existsSync(join(copy.dir, "node_modules")) && !existsSync(join(copy.dir, "dist")));
      const result = await runProgram(process.execPath, [join(copy.dir, "bin/hearth"), "models", "list"], { env: { PATH: process.env.PATH }, cwd: copy.dir });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, `hearth: not installed yet: run \`npm install\` in ${copy.dir} (it installs the dependencies and builds dist/)\n`);
    } finally {
      copy.cleanup();
    }
  });

  test("agent -m - and agent with stdin not a terminal read the message from stdin; a terminal without -m is told how", async () => {
    const { file, said } = await modelConfig("stdin");
    const env = { HEARTH_STATE_DIR: join(temp.dir, "stdin") };
    const dash = await runCli(["agent", "--config", file, "-m", "-"], { env, input: "first line\nsecond line\n" });
    assert.equal(dash.code, 0, dash.stderr);
    const piped = await runCli(["agent", "--config", file], { env, input: "from a pipe\n" });
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(said(), ["first line\nsecond line", "from a pipe"]);
    const empty = await runCli(["agent", "--config", file], { env });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the message read from stdin is empty/);

    if (ptyMissing) return;
    const terminal = runInPty(["agent", "--config", file], { env });
    assert.equal(await terminal.exited, 2, terminal.output);
    assert.match(terminal.output, /agent needs a message: \.\/bin\/hearth --config \S+ agent --message TEXT, or -m - to read it from stdin/);
  });

  test("with --json, agent's usage errors print one JSON document on stdout { error, details, exitCode: 2 }", async () => {
    const { file } = await modelConfig("json-usage");
    const env = { HEARTH_STATE_DIR: join(temp.dir, "json-usage") };
    const cases = [
      { args: ["agent", "--config", file, "--json", "-m", "hi", "--retry"], says: /--retry sends again the latest message that got no answer: leave out --message/ },
      { args: ["agent", "--config", file, "--json"], says: /the message read from stdin is empty/ },
      { args: ["agent", "--config", file, "--json", "-m", " "], says: /--message needs some text/ },
    ];
    for (const { args, says } of cases) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 2, result.stderr);
      const document = JSON.parse(result.stdout) as { error: string; details: string[]; exitCode: number };
      assert.match(document.error, says);
      assert.deepEqual(document.details, []);
      assert.equal(document.exitCode, 2);
      assert.match(result.stderr, says, "the human text still goes to stderr");
    }
  });

  test("escape sequences in model text never reach human output, pipe or not: agent, chat, sessions show/export/list", async () => {
    const { file } = await modelConfig("escapes");
    const env = { HEARTH_STATE_DIR: join(temp.dir, "escapes") };
    // The scripted model echoes the message: a retitle (OSC 0), a clipboard write (OSC 52), a screen clear (CSI), a C1 CSI.
    const hostile = "hi \x1b]0;pwned-title\x07 \x1b]52;c;Y2xpcGJvYXJk\x1b\\ \x1b[2J\x9b31m end";
    const clean = (what: string, output: string): void => {
      // eslint-disable-next-line no-control-regex -- looking for control characters is the point
      assert.doesNotMatch(output, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, `${what} printed a control character: ${JSON.stringify(output)}`);
      assert.doesNotMatch(output, /pwned-title|Y2xpcGJvYXJk|\[2J/, `${what} left a sequence's body: ${JSON.stringify(output)}`);
    };
    const agent = await runCli(["agent", "--config", file, "-m", hostile], { env });
    assert.equal(agent.code, 0, agent.stderr);
    assert.match(agent.stdout, /^got: hi .*end\n$/);
    clean("agent | cat", agent.stdout);
    const chat = await runCli(["chat", "--config", file, "-s", "other"], { env, input: `${hostile}\n` });
    assert.equal(chat.code, 0, chat.stderr);
    assert.match(chat.stdout, /got: hi .*end/);
    clean("chat | cat", chat.stdout);
    for (const args of [["sessions", "show", "main"], ["sessions", "export", "main"], ["sessions", "list"]]) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /hi .*end/);
      clean(args.join(" "), result.stdout);
    }
    const json = await runCli(["sessions", "show", "main", "--json"], { env });
    assert.match(json.stdout, /\\u001b\]0;pwned-title/, "JSON keeps the text, escaped");
  });

  test("/model and --model with an unknown name list the valid choices; /model list marks the current one", async () => {
    const { file } = await modelConfig("choices");
    const env = { HEARTH_STATE_DIR: join(temp.dir, "choices") };
    const say = (message: string) => runCli(["agent", "--config", file, "--message", message], { env });
    const unknown = await say("/model nonexistent");
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stdout, /"nonexistent" is not a known model or alias.*\nyou can choose: Small \(local\/m\), Big \(local\/big\)\n$/);
    assert.equal((await say("/model big")).code, 0);
    assert.equal((await say("/model list")).stdout, "  Small            local/m\n* Big              local/big\n");

    const flag = await runCli(["agent", "--config", file, "--model", "nonexistent", "--message", "hi"], { env });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--model: "nonexistent" is not a known model or alias/);
    assert.match(flag.stderr, /you can choose: Small \(local\/m\), Big \(local\/big\)/);
    assert.match(flag.stderr, /`\.\/bin\/hearth --config \S+ models list --all` shows every model/);
  });

  test("init writes a $schema that stays valid when the checkout moves: a copy beside the config, named relatively", async () => {
    const home = tempDir();
    try {
      const result = await runCli(["init"], { env: { HOME: home.dir } });
      assert.equal(result.code, 0, result.stderr);
      const file = join(home.dir, ".hearth/hearth.json5");
      const text = readFileSync(file, "utf8");
      assert.ok(!text.includes(repoRoot), "no path into the checkout");
      const schemaRef = (JSON5.parse(text) as { $schema: string }).$schema;
      assert.equal(schemaRef, "./hearth.schema.json");
      const schemaFile = resolve(dirname(file), schemaRef);
      assert.equal(readFileSync(schemaFile, "utf8"), readFileSync(join(repoRoot, "schema/hearth.schema.json"), "utf8"));
    } finally {
      home.cleanup();
    }
  });

  test("init --config X leaves a hearth.schema.json beside X that is not hearth's, and says so; hearth's own earlier copy is refreshed", async () => {
    const dir = tempDir();
    try {
      const own = '{ "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "my project", "type": "object" }\n';
      writeFileSync(join(dir.dir, "hearth.schema.json"), own);
      const result = await runCli(["init", "--config", join(dir.dir, "hearth.json5")], { env: { HOME: dir.dir } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(readFileSync(join(dir.dir, "hearth.schema.json"), "utf8"), own, "the user's file is untouched");
      assert.match(result.stdout, /hearth\.schema\.json.* is not hearth's: left as it was/);
      assert.equal((JSON5.parse(readFileSync(join(dir.dir, "hearth.json5"), "utf8")) as { $schema?: string }).$schema, undefined, "$schema does not name the user's file");

      const earlier = join(dir.dir, "again");
      mkdirSync(earlier);
      const published = JSON.parse(readFileSync(join(repoRoot, "schema/hearth.schema.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(earlier, "hearth.schema.json"), JSON.stringify({ ...published, properties: {} }));
      const again = await runCli(["init", "--config", join(earlier, "hearth.json5")], { env: { HOME: dir.dir } });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(readFileSync(join(earlier, "hearth.schema.json"), "utf8"), readFileSync(join(repoRoot, "schema/hearth.schema.json"), "utf8"), "hearth's earlier copy is replaced");
    } finally {
      dir.cleanup();
    }
  });
});

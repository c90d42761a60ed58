import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir, type CliResult } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

// Canary secrets: none key-shaped (no "sk-"), so only knowing the values can mask them.
const CANARIES = {
  configKey: "canary-config-key-7f3a9c1e5b",
  header: "canary-header-value-41d2e8",
  urlPassword: "canary-url-password-93be",
  urlQuery: "canary-url-query-key-5c07",
  anthropic: "canary-anthropic-key-2a6f",
  openai: "canary-openai-key-8d14",
  openrouter: "canary-openrouter-key-0e9b",
};

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function assertNoCanary(where: string, text: string): void {
  for (const [name, value] of Object.entries(CANARIES)) {
    assert.ok(!text.includes(value), `${where} printed the ${name} canary:\n${text}`);
  }
}

describe("secrets are never printed or stored, whatever path they take", () => {
  const temp = tempDir();
  let server: FakeServer;
  let file: string;
  const stateDir = join(temp.dir, "state");
  const env = () => ({
    HEARTH_STATE_DIR: stateDir,
    CANARY_KEY: CANARIES.configKey,
    ANTHROPIC_API_KEY: CANARIES.anthropic,
    OPENAI_API_KEY: CANARIES.openai,
    OPENROUTER_API_KEY: CANARIES.openrouter,
  });
  const results: { args: string[]; result: CliResult }[] = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(["--config", file, ...args], { env: env() });
    results.push({ args, result });
    return result;
  };

  before(async () => {
    // Answers the model listing, and refuses every request quoting the key it got, as OpenAI does.
    server = await startFakeServer((request) => {
      if (request.method === "GET") return { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };
      const key = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
      return {
        kind: "json",
        status: 401,
        body: { error: { message: `Incorrect API key provided: ${key}. Also seen: ${String(request.headers["x-extra"])} ${request.path}`, type: "invalid_request_error", param: null, code: "invalid_api_key" } },
      };
    });
    const withCredentials = server.baseUrl.replace("http://", `http://user:${CANARIES.urlPassword}@`) + `?api_key=${CANARIES.urlQuery}`;
    file = temp.write(
      "hearth.json5",
      `{
  agents: { defaults: { model: { primary: "p/m", fallbacks: ["q/m"] } } },
  models: { mode: "merge", providers: {
    p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "\${CANARY_KEY}", headers: { "x-extra": "${CANARIES.header}" }, models: [{ id: "m" }] },
    q: { baseUrl: "${withCredentials}", api: "openai-completions", models: [{ id: "m" }] },
  } },
}`,
    );
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });

  test("a key the server echoes in its 401 is masked in agent output, --json attempts and models status --first-token", async () => {
    const agent = await run(["agent", "--message", "hello"]);
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /Incorrect API key provided: \*\*\*\. Also seen: \*\*\*/);
    const json = await run(["agent", "--json", "--message", "hello again"]);
    const document = JSON.parse(json.stdout) as { attempts: { message: string }[] };
    assert.match(document.attempts[0]?.message ?? "", /Incorrect API key provided: \*\*\*/);
    const status = await run(["models", "status", "--first-token"]);
    assert.match(status.stdout + status.stderr, /Incorrect API key provided: \*\*\*/);
    await run(["models", "status", "--first-token", "--json"]);
    // The canaries were really in play: the server got the key, the header and the URL's key.
    assert.ok(server.requests.some((request) => request.headers.authorization === `Bearer ${CANARIES.configKey}`));
    assert.ok(server.requests.some((request) => request.headers["x-extra"] === CANARIES.header));
    assert.ok(server.requests.some((request) => request.path.includes(CANARIES.urlQuery)));
  });

  test("every command's output and every file in the state dir is free of every canary", async () => {
    await run(["config", "show"]);
    await run(["config", "validate"]);
    await run(["config", "validate", "--json"]);
    await run(["models", "list"]);
    await run(["models", "list", "--all", "--json"]);
    await run(["models", "status"]);
    await run(["models", "status", "--probe", "--json"]);
    await run(["sessions", "list"]);
    await run(["sessions", "show", "main"]);
    const show = await run(["sessions", "show", "main", "--json"]);
    assert.match(show.stdout, /Incorrect API key provided: \*\*\*/, "the failed turns are in the session, masked");
    await run(["sessions", "export", "main"]);
    await run(["sessions", "export", "main", "--format", "json"]);
    assert.ok(results.length >= 15);
    for (const { args, result } of results) {
      assertNoCanary(`hearth ${args.join(" ")} (stdout)`, result.stdout);
      assertNoCanary(`hearth ${args.join(" ")} (stderr)`, result.stderr);
    }
    const files = filesUnder(stateDir);
    assert.ok(files.some((path) => path.endsWith("main.jsonl")));
    for (const path of files) assertNoCanary(path, readFileSync(path, "utf8"));
  });

  test("config show masks credentials in a baseUrl; a bad URL's error masks them too", async () => {
    const show = await run(["config", "show"]);
    const shown = JSON.parse(show.stdout) as { models: { providers: Record<string, { baseUrl: string; apiKey?: string }> } };
    assert.match(shown.models.providers.q?.baseUrl ?? "", /^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/v1\?api_key=\*\*\*$/);
    assert.equal(shown.models.providers.p?.apiKey, "***");
    const bad = temp.write("bad-url.json5", `{ models: { providers: { q: { baseUrl: "htp://user:${CANARIES.urlPassword}@127.0.0.1:9/v1?token=${CANARIES.urlQuery}", api: "openai-completions", models: [{ id: "m" }] } } } }`);
    const result = await runCli(["config", "validate", "--config", bad]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /models\.providers\.q\.baseUrl: must be an http:\/\/ or https:\/\/ URL.*got "htp:\/\/\*\*\*@127\.0\.0\.1:9\/v1\?token=\*\*\*"/);
    assertNoCanary("config validate (bad URL)", result.stdout + result.stderr);
  });
});

describe("config excerpts never show a key", () => {
  const temp = tempDir();
  after(() => temp.cleanup());
  const key = "sk-proj-CANARYexcerpt0123456789abcdef";
  const anthropicKey = "sk-ant-api03-CANARYexcerpt0123456789abcdef";

  const excerptOf = async (name: string, text: string, args: string[] = ["config", "validate"]) => {
    const file = temp.write(name, text);
    const result = await runCli([...args, "--config", file]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /syntax error/);
    assert.ok(!result.stderr.includes("CANARY"), `the key was printed:\n${result.stderr}`);
    return result.stderr;
  };

  test('`apiKey = "sk-…"` (no colon) and a value on the line after its key', async () => {
    assert.match(await excerptOf("equals.json5", `{\n  models: { providers: { p: {\n    apiKey = "${key}",\n  } } },\n}\n`), /3 \|\s+apiKey = \*\*\*/);
    assert.match(await excerptOf("next-line.json5", `{\n  models: { providers: { p: {\n    apiKey:\n      "${key}" oops,\n  } } },\n}\n`), /4 \|\s+\*\*\*/);
    const random = "Q7f9KzP2mX4vB8nR1tY6wE3sD5gH0jL9aC2";
    const stderr = await excerptOf("random.json5", `{\n  token:\n    "${random}" ]\n}\n`);
    assert.ok(!stderr.includes(random));
  });

  test("a comment between a secret's key and its value does not unmask the value", async () => {
    const secret = "hunter2CANARYpw5";
    const lineComment = await excerptOf("line-comment.json5", `{ models:{providers:{x:{ apiKey:\n// comment\n "${secret}" bad }}}}\n`);
    assert.match(lineComment, /3 \|\s+\*\*\*/);
    await excerptOf("block-comment.json5", `{ models:{providers:{x:{ apiKey: /* c */\n "${secret}" bad }}}}\n`);
    await excerptOf("multiline-comment.json5", `{ models:{providers:{x:{ apiKey: /* a\n  longer note */\n\n "${secret}" bad }}}}\n`);
    await excerptOf("comment-before-colon.json5", `{ models:{providers:{x:{ apiKey /* c */ : "${secret}" bad }}}}\n`);
  });

  // Found by an attack run (session 3): schema errors echo the bad value, and a key pasted into the
  // wrong field (or as a key) was printed whole.
  test("a key pasted into the wrong field or used as a key is masked in the error that echoes it", async () => {
    const random = "Zq8XvR2mK9pL4tW7nB3cY6hJ1dF5gS0aQe";
    for (const [name, text, shown] of [
      ["base-url.json5", `{ models: { providers: { p: { baseUrl: "${random}", api: "openai-completions", models: [{ id: "m" }] } } } }`, /baseUrl: must be an http:\/\/ or https:\/\/ URL.*got "\*\*\*"/],
      ["api.json5", `{ models: { providers: { p: { baseUrl: "http://127.0.0.1:9/v1", api: "${random}", models: [{ id: "m" }] } } } }`, /api: "\*\*\*" is not a known API/],
      ["max-tokens.json5", `{ models: { providers: { p: { baseUrl: "http://127.0.0.1:9/v1", api: "openai-completions", models: [{ id: "m", maxTokens: "${random}" }] } } } }`, /maxTokens: expected a number, got "\*\*\*"/],
      ["as-key.json5", `{ ${random}: 1 }`, /\*\*\*: unknown key/],
    ] as const) {
      const file = temp.write(name, text);
      for (const args of [["config", "validate"], ["config", "validate", "--json"], ["models", "list"]]) {
        const result = await runCli([...args, "--config", file]);
        assert.equal(result.code, 2, result.stderr);
        assert.ok(!(result.stdout + result.stderr).includes(random), `${args.join(" ")} printed the key:\n${result.stdout}${result.stderr}`);
        if (!args.includes("--json")) assert.match(result.stderr, shown);
      }
    }
    const model = temp.write("model-name.json5", `{ models: { providers: { p: { baseUrl: "http://127.0.0.1:9/v1", api: "Qwen3-Coder-30B-A3B-Instruct-GGUF", models: [{ id: "m" }] } } } }`);
    const named = await runCli(["config", "validate", "--config", model]);
    assert.match(named.stderr, /api: "Qwen3-Coder-30B-A3B-Instruct-GGUF" is not a known API/, "a model's name is not taken for a key");
  });

  test("a .env file given by --config or HEARTH_CONFIG, from config validate and models list", async () => {
    const text = `ANTHROPIC_API_KEY=${anthropicKey}\nOPENAI_API_KEY=${key}\n`;
    const excerpt = await excerptOf(".env", text);
    assert.match(excerpt, /1 \| ANTHROPIC_API_KEY=\*\*\*/);
    assert.match(excerpt, /hint: this looks like a \.env file/);
    await excerptOf(".env", text, ["models", "list"]);
    const file = temp.write("other.env", text);
    const fromEnv = await runCli(["models", "list"], { env: { HEARTH_CONFIG: file } });
    assert.equal(fromEnv.code, 2);
    assert.ok(!fromEnv.stderr.includes("CANARY"), fromEnv.stderr);
  });
});

/**
 * Found by an attack run (session 3): with the sandbox off, an allowed `cat` of /proc/<hearth>/environ
 * (or of the config file) put the keys in the tool's output, and that output went to the model as is
 * (only the stored copy was masked) — where a page's instructions could send them anywhere by web_fetch.
 */
describe("a tool's output holding a key reaches the model masked", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });

  // Since session 5 the config file and /proc are refused outright with no sandbox (a key read can be
  // printed spaced out, past the mask: test/agent/exec/secret-places.test.ts); a copy of them inside the
  // working directory is still read, and must reach the model masked.
  for (const name of ["a copy of the config file", "a saved environment"] as const) {
    test(`exec cat of ${name} in the working directory (sandbox off): the model's next request and the output carry no canary`, async () => {
      const server = await startFakeServer(
        scriptedModel("openai-completions", (turns) => {
          const last = turns[turns.length - 1];
          if (last?.role === "user") return { tool: "exec", arguments: { command: "cat", args: ["copy.txt"] } };
          return { text: `Tool said: ${last?.text ?? ""}` };
        }),
      );
      servers.push(server);
      const work = join(temp.dir, `work-${servers.length}`);
      mkdirSync(work);
      const configText = `{ agents: { defaults: { model: { primary: "p/m" }, tools: { exec: { commands: ["cat"], cwd: "${work}", sandbox: "off" } } } },
  models: { mode: "replace", providers: { p: { baseUrl: "${server.baseUrl}", api: "openai-completions", apiKey: "${CANARIES.configKey}", models: [{ id: "m" }] } } } }`;
      const configFile = temp.write(`exec-${servers.length}.json5`, configText);
      temp.write(`work-${servers.length}/copy.txt`, name === "a saved environment" ? `HOME=/home/u\nOPENAI_API_KEY=${CANARIES.openai}\n` : configText);
      const result = await runCli(["agent", "--config", configFile, "--message", "read it"], { env: { HEARTH_STATE_DIR: join(temp.dir, `state-${servers.length}`), OPENAI_API_KEY: CANARIES.openai } });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Tool said: exit code 0/);
      assert.match(result.stdout, name === "a saved environment" ? /OPENAI_API_KEY=\*\*\*/ : /apiKey: "\*\*\*"/, "the file was read, its key masked");
      const sent = server.requests.map((request) => JSON.stringify(request.body)).join("\n");
      assertNoCanary("what the model was sent", sent);
      assertNoCanary("hearth agent", result.stdout + result.stderr);
    });
  }
});

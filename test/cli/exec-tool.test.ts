import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { SandboxProbe } from "../../src/agent/tools/exec/sandbox.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastTurn, scriptedModel } from "../helpers/scripted-model.js";

const support = await new SandboxProbe().support();

/** A model that calls exec once with the given arguments, then answers with what the tool said. */
async function modelCalling(servers: FakeServer[], call: { command: string; args: string[] }): Promise<FakeServer> {
  const server = await startFakeServer(
    scriptedModel("openai-completions", (turns) => {
      const last = lastTurn(turns);
      if (last?.role === "tool") return { text: `Tool said: ${last.text}` };
      return { tool: "exec", arguments: call };
    }),
  );
  servers.push(server);
  return server;
}

function config(baseUrl: string, exec: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" }, tools: { exec: ${exec} } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", apiKey: "KEY-CANARY-7f3a", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

describe("hearth agent: exec through the real CLI", () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  after(async () => {
    temp.cleanup();
    await Promise.all(servers.map((server) => server.close()));
  });
  const work = join(temp.dir, "work");
  mkdirSync(work);
  temp.write("work/a.txt", "hello\n");

  test("sed '1e CMD' from the model is refused with the reason, and the command never runs", async () => {
    const marker = join(temp.dir, "escaped");
    const server = await modelCalling(servers, { command: "sed", args: [`1e touch ${marker}`, "a.txt"] });
    const file = temp.write("sed.json5", config(server.baseUrl, `{ commands: ["sed"], cwd: "${work}", sandbox: "off" }`));
    const result = await runCli(["agent", "--config", file, "--message", "print a.txt"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state-sed") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Tool said: "1e touch .*escaped" is not allowed with sed: the e command runs a shell command$/m);
    assert.ok(!existsSync(marker));
  });

  test("an allowed program inside the sandbox cannot read the config file with its keys", { skip: support.kind === "none" ? `no OS sandbox here: ${support.kind === "none" ? support.reason : ""}` : false }, async () => {
    // In the working directory itself: only hiding the config file keeps it from cat.
    const file = join(work, "keys.json5");
    const server = await modelCalling(servers, { command: "cat", args: ["keys.json5"] });
    temp.write("work/keys.json5", config(server.baseUrl, `{ commands: ["cat"], cwd: "${work}", sandbox: "require" }`));
    const result = await runCli(["agent", "--config", file, "--message", "show the config"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state-cat") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Tool said: exit code \d+/);
    assert.doesNotMatch(result.stdout, /KEY-CANARY/);
  });

  test('"require" with no sandbox to be had refuses exec and says how to fix it', { skip: process.platform !== "linux" ? "the probe looks for bubblewrap on Linux only" : false }, async () => {
    const server = await modelCalling(servers, { command: "cat", args: ["a.txt"] });
    const file = temp.write("require.json5", config(server.baseUrl, `{ commands: ["cat"], cwd: "${work}", sandbox: "require" }`));
    // A PATH without bwrap: the probe finds no sandbox, as on a machine without bubblewrap.
    const result = await runCli(["agent", "--config", file, "--message", "show a.txt"], { env: { HEARTH_STATE_DIR: join(temp.dir, "state-require"), PATH: join(temp.dir, "empty-path") } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Tool said: exec is refused: tools\.exec\.sandbox is "require" but bubblewrap \(bwrap\) is not installed/m);
  });

  // The trial: HEARTH_STATE_DIR elsewhere, exec working in the home that holds ~/.hearth/gateway.env, the
  // model asking sed to space the file's characters out (masking sees only the key as it is).
  for (const sandbox of ["off", "require"] as const) {
    test(`~/.hearth/gateway.env stays out of exec's reach with sandbox "${sandbox}", wherever the state dir is`, { skip: sandbox === "require" && support.kind === "none" ? `no OS sandbox here: ${support.kind === "none" ? support.reason : ""}` : false }, async () => {
      const home = join(temp.dir, `home-${sandbox}`);
      mkdirSync(join(home, ".hearth"), { recursive: true });
      temp.write(`home-${sandbox}/.hearth/gateway.env`, "HEARTH_GATEWAY_TOKEN=gwtok-5501-canary\n");
      temp.write(`home-${sandbox}/notes.txt`, "notes\n");
      const server = await modelCalling(servers, { command: "sed", args: ["s/./& /g", ".hearth/gateway.env"] });
      const file = temp.write(`envfile-${sandbox}.json5`, config(server.baseUrl, `{ commands: ["sed"], cwd: "${home}", sandbox: "${sandbox}" }`));
      const result = await runCli(["agent", "--config", file, "--message", "space out the env file"], { env: { HOME: home, HEARTH_STATE_DIR: join(temp.dir, `state-envfile-${sandbox}`) } });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /g w t o k|gwtok/);
      if (sandbox === "off") assert.match(result.stdout, /^Tool said: ".*" is not allowed with sed: the working directory holds .*\.hearth\/gateway\.env, where hearth keeps keys/m);
      else assert.match(result.stdout, /^Tool said: exit code \d+/m);
    });
  }
});

// The config file under a running gateway: deleted, moved, saved by rename, put back; and the
// built-in default's hosted fallback from a key that only ~/.hearth/gateway.env holds.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";
import { scriptedModel } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

function config(baseUrl: string, alias: string): string {
  return `{
    agents: { defaults: { model: { primary: "local/m" }, models: { "local/m": { alias: "${alias}" } } } },
    models: { mode: "replace", providers: { local: { baseUrl: "${baseUrl}", api: "openai-completions", models: [{ id: "m", contextWindow: 32768, maxTokens: 1024 }] } } },
  }`;
}

interface Status {
  setup: string[];
  agents: { primary: string }[];
  models: { ref: string; alias?: string }[];
}

const status = async (gateway: RunningGateway): Promise<Status> => (await (await fetch(`${gateway.url}/api/status`)).json()) as Status;

async function waitForAlias(gateway: RunningGateway, alias: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await status(gateway)).models.some((entry) => entry.alias === alias)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`the gateway never served alias ${alias}: ${JSON.stringify((await status(gateway)).models)}`);
}

describe("the config file under a running gateway (the real process)", { timeout: 240_000 }, () => {
  const temp = tempDir();
  const gateways: RunningGateway[] = [];
  const servers: FakeServer[] = [];
  after(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const launch = async (args: string[], env: NodeJS.ProcessEnv) => {
    const gateway = await startGateway(args, env);
    gateways.push(gateway);
    return gateway;
  };
  const model = async () => {
    const server = await startFakeServer(scriptedModel("openai-completions", () => ({ text: "hi" })));
    servers.push(server);
    return server;
  };

  test("deleted at the default location: reported (terminal, log, /api/status, the setup event) and the last good config keeps serving; back again (delete + create), it is loaded", { timeout: 60_000 }, async () => {
    const server = await model();
    const home = join(temp.dir, "deleted-home");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    const file = join(home, ".hearth", "hearth.json5");
    writeFileSync(file, config(server.baseUrl, "First"));
    const gateway = await launch([], { HOME: home });
    assert.equal((await status(gateway)).agents[0]?.primary, "local/m");
    // The web page's banner follows the setup events.
    const events = await openSse(`${gateway.url}/api/events`);
    await events.next((message) => message.event === "setup");

    rmSync(file);
    await gateway.waitFor(/config reload failed, the old config keeps serving: .*hearth\.json5: the file is gone \(deleted or moved\)/, "stderr");
    const announced = JSON.parse((await events.next((message) => message.event === "setup")).data) as { problems: string[] };
    assert.ok(announced.problems.some((line) => line.includes("hearth.json5: the file is gone (deleted or moved)")), JSON.stringify(announced));
    events.close();
    const gone = await status(gateway);
    assert.equal(gone.agents[0]?.primary, "local/m", "not the built-in LM Studio default");
    assert.deepEqual(gone.models.map((entry) => entry.alias), ["First"]);
    assert.ok(gone.setup.some((line) => line.includes("hearth.json5: the file is gone (deleted or moved)")), JSON.stringify(gone.setup));
    assert.ok(!gone.setup.some((line) => line.includes("127.0.0.1:1234")), JSON.stringify(gone.setup));
    assert.match(readFileSync(join(home, ".hearth", "logs", "gateway.log"), "utf8"), /the file is gone \(deleted or moved\)/);

    writeFileSync(file, config(server.baseUrl, "Back"));
    await gateway.waitFor(/config reloaded/);
    const back = await status(gateway);
    assert.deepEqual(back.models.map((entry) => entry.alias), ["Back"]);
    assert.ok(!back.setup.some((line) => line.includes("gone")), JSON.stringify(back.setup));
  });

  test("moved away and back (--config), and saved by an editor that writes a temporary file and renames it over", { timeout: 60_000 }, async () => {
    const server = await model();
    const file = temp.write("moved.json5", config(server.baseUrl, "First"));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "moved-state") });

    renameSync(file, `${file}.away`);
    await gateway.waitFor(/config reload failed, the old config keeps serving: .*moved\.json5: the file is gone \(deleted or moved\)/, "stderr");
    assert.deepEqual((await status(gateway)).models.map((entry) => entry.alias), ["First"]);

    renameSync(`${file}.away`, file);
    await gateway.waitFor(/config reloaded/);
    assert.ok(!(await status(gateway)).setup.some((line) => line.includes("gone")));

    writeFileSync(`${file}.tmp`, config(server.baseUrl, "Renamed"));
    renameSync(`${file}.tmp`, file);
    await gateway.waitFor(/config reloaded/);
    assert.deepEqual((await status(gateway)).models.map((entry) => entry.alias), ["Renamed"]);
  });

  test("a bad edit: the reload message lists every problem (a value of the wrong type and an unknown primary), the old config serving", { timeout: 60_000 }, async () => {
    const server = await model();
    const file = temp.write("both.json5", config(server.baseUrl, "Good"));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "both-state") });
    writeFileSync(file, config(server.baseUrl, "Bad").replace('primary: "local/m"', 'primary: "local/nope"').replace("contextWindow: 32768", 'contextWindow: "2k"'));
    await gateway.waitFor(/config reload failed, the old config keeps serving: .*both\.json5 has 2 problems:/, "stderr");
    await gateway.waitFor(/both\.json5:2:\d+: agents\.defaults\.model\.primary: "local\/nope" is not a model of provider "local"/, "stderr");
    await gateway.waitFor(/both\.json5:3:\d+: models\.providers\.local\.models\[0\]\.contextWindow: expected a number, got "2k"/, "stderr");
    const now = await status(gateway);
    assert.deepEqual(now.models.map((entry) => entry.alias), ["Good"]);
    const failure = now.setup.find((line) => line.startsWith("the config file could not be loaded"));
    assert.match(failure ?? "", /agents\.defaults\.model\.primary: .*; .*models\.providers\.local\.models\[0\]\.contextWindow: /, JSON.stringify(now.setup));
  });

  test("started with no config file: one that appears is loaded", { timeout: 60_000 }, async () => {
    const server = await model();
    const home = join(temp.dir, "appears-home");
    const gateway = await launch([], { HOME: home });
    assert.equal((await status(gateway)).agents[0]?.primary, "lmstudio/minimax-m2.1-gs32");
    writeFileSync(join(home, ".hearth", "hearth.json5"), config(server.baseUrl, "Appeared"));
    await gateway.waitFor(/config reloaded/);
    const now = await status(gateway);
    assert.equal(now.agents[0]?.primary, "local/m");
    assert.ok(!now.setup.some((line) => line.includes("no config file")), JSON.stringify(now.setup));
  });

  test("a config that is a symbolic link (kept with one's dotfiles): an edit where it points is loaded, and so is the link pointed elsewhere", { timeout: 60_000 }, async () => {
    const server = await model();
    const home = join(temp.dir, "linked-home");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    mkdirSync(join(home, "dotfiles"), { recursive: true });
    const target = join(home, "dotfiles", "hearth.json5");
    writeFileSync(target, config(server.baseUrl, "Linked"));
    symlinkSync("../dotfiles/hearth.json5", join(home, ".hearth", "hearth.json5"));
    const gateway = await launch([], { HOME: home });
    assert.deepEqual((await status(gateway)).models.map((entry) => entry.alias), ["Linked"]);

    // sed -i's way: a temporary file renamed over the target, in the dotfiles folder.
    writeFileSync(`${target}.tmp`, config(server.baseUrl, "Edited"));
    renameSync(`${target}.tmp`, target);
    await gateway.waitFor(/config reloaded/);
    assert.deepEqual((await status(gateway)).models.map((entry) => entry.alias), ["Edited"]);

    // The link pointed at another file: loaded, and an edit there is watched from then on.
    const other = join(home, "dotfiles", "other.json5");
    writeFileSync(other, config(server.baseUrl, "Other"));
    unlinkSync(join(home, ".hearth", "hearth.json5"));
    symlinkSync(other, join(home, ".hearth", "hearth.json5"));
    await waitForAlias(gateway, "Other");
    writeFileSync(other, config(server.baseUrl, "OtherEdited"));
    await waitForAlias(gateway, "OtherEdited");
  });

  test("gateway.env edited while the gateway runs (a key rotated): the next request carries the new key, and doctor does not ask for a restart", { timeout: 60_000 }, async () => {
    const server = await model();
    const home = join(temp.dir, "rotate-home");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    const envFile = join(home, ".hearth", "gateway.env");
    writeFileSync(envFile, "RELAY_KEY=sk-relay-old-0123456789abcdef\n");
    writeFileSync(join(home, ".hearth", "hearth.json5"), config(server.baseUrl, "Relay").replace('api: "openai-completions",', 'api: "openai-completions", apiKey: "${RELAY_KEY}",'));
    const gateway = await launch([], { HOME: home });
    const ask = async (): Promise<string | undefined> => {
      const answer = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "local/m", messages: [{ role: "user", content: "hi" }] }) });
      assert.equal(answer.status, 200, await answer.clone().text());
      const last = server.requests.at(-1)?.headers.authorization;
      return typeof last === "string" ? last : undefined;
    };
    assert.equal(await ask(), "Bearer sk-relay-old-0123456789abcdef");

    writeFileSync(envFile, "RELAY_KEY=sk-relay-new-fedcba9876543210\n");
    // Its time set a second ahead: the gateway's reload, made after it, is no longer "before the edit" for doctor.
    utimesSync(envFile, new Date(), new Date());
    await gateway.waitFor(/config reloaded/);
    assert.equal(await ask(), "Bearer sk-relay-new-fedcba9876543210");
    const doctor = await runCli(["doctor"], { env: { HOME: home } });
    assert.doesNotMatch(doctor.stdout, /gateway-env-stale|changed after the gateway/, doctor.stdout);
  });

  test("no config file, a hosted key only in ~/.hearth/gateway.env: the built-in default adds its fallback and asks for no key", { timeout: 60_000 }, async () => {
    const home = join(temp.dir, "envfile-home");
    mkdirSync(join(home, ".hearth"), { recursive: true });
    writeFileSync(join(home, ".hearth", "gateway.env"), "# written by the user\nANTHROPIC_API_KEY=sk-ant-only-in-gateway-env-0123456789\n");
    const gateway = await launch([], { HOME: home });
    const now = await status(gateway);
    assert.deepEqual(now.models.filter((entry) => entry.alias).map((entry) => `${entry.ref} ${entry.alias}`), ["lmstudio/minimax-m2.1-gs32 Local", "anthropic/claude-sonnet-4-5 Sonnet"]);
    assert.ok(!now.setup.some((line) => line.includes("ANTHROPIC_API_KEY")), JSON.stringify(now.setup));
    assert.doesNotMatch(gateway.stdout(), /set ANTHROPIC_API_KEY/);
    assert.doesNotMatch(gateway.stdout() + gateway.stderr(), /sk-ant-only-in-gateway-env/);
  });

  test("a reload that renames an alias or removes a model: a client still naming it hears so and the model's name now (not just 'not served'); the name given back is served again", { timeout: 60_000 }, async () => {
    const server = await model();
    const file = temp.write("renamed.json5", config(server.baseUrl, "First"));
    const gateway = await launch(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "renamed-state") });
    const ask = async (name: string) => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: name, messages: [{ role: "user", content: "hi" }] }) });
      return { status: response.status, body: (await response.json()) as { error?: { message: string; code: string } } };
    };
    assert.equal((await ask("First")).status, 200);

    writeFileSync(file, config(server.baseUrl, "Second"));
    await waitForAlias(gateway, "Second");
    const renamed = await ask("first");
    assert.equal(renamed.status, 404);
    assert.equal(renamed.body.error?.code, "model_not_found");
    assert.match(renamed.body.error?.message ?? "", /^model "first" is no longer a name in hearth's config: a reload of the config renamed it — its model, local\/m, is now "Second"; choose one of .*"Second"/);
    assert.equal((await ask("Second")).status, 200);
    assert.match((await ask("Never")).body.error?.message ?? "", /^model "Never" is not an agent or a model hearth serves; choose one of/);

    // The model itself taken out (another id on the same server): its ref and both its old names are said gone.
    writeFileSync(file, config(server.baseUrl, "Third").replace('id: "m"', 'id: "n"').replaceAll("local/m", "local/n"));
    await waitForAlias(gateway, "Third");
    for (const name of ["local/m", "Second", "First"]) {
      const removed = await ask(name);
      assert.equal(removed.status, 404, name);
      assert.match(removed.body.error?.message ?? "", new RegExp(`^model "${name}" \\(local/m\\) is no longer in hearth's config: a reload of the config took it out; choose one of`), name);
    }

    // Given back, a name is served again (and no longer told as former).
    writeFileSync(file, config(server.baseUrl, "First"));
    await waitForAlias(gateway, "First");
    assert.equal((await ask("First")).status, 200);
    assert.match((await ask("Third")).body.error?.message ?? "", /^model "Third" \(local\/n\) is no longer in hearth's config: a reload of the config took it out; choose one of/);
  });
});

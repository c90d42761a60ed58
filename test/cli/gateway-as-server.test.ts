// A hearth gateway's address, given where a model server is looked for, answered: it is a hearth
// gateway, not a model server to write. Every command that asks an address says so in the same words,
// with what to do (point the config at the model servers behind it, or use the gateway as an
// OpenAI-compatible endpoint on purpose): models discover, init, models load, models status --probe,
// doctor — never "No model server answered at … (a hearth gateway …)". A real gateway (bin/hearth).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("a hearth gateway's address where a model server is looked for", () => {
  const temp = tempDir();
  let gateway: RunningGateway;
  let said: RegExp;
  before(async () => {
    gateway = await startGateway([], { HEARTH_STATE_DIR: `${temp.dir}/gw-state`, HOME: `${temp.dir}/gw-home` });
    said = new RegExp(`${escape(gateway.url)}(/v1)? is a hearth gateway \\(version [^)]+\\), not a model server: it answers with the models of its own config`);
  });
  after(async () => {
    await gateway.stop();
    temp.cleanup();
  });

  const whatToDo = /point .* at the model servers behind it \(LM Studio, llama\.cpp, Ollama, vLLM at their own addresses: `\S*hearth (--config \S+ )?models discover --url ADDRESS` asks one\), or use the gateway as an OpenAI-compatible endpoint on purpose/;

  test("models discover: what it is and what to do, not 'no model server answered'; nothing written; --json lists it apart", async () => {
    const file = temp.write("discover.json5", "{}\n");
    const result = await runCli(["models", "discover", "--url", gateway.url, "--write", "--config", file]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^${said.source}: not written as a provider\\.$`, "m"), result.stdout);
    assert.match(result.stdout, whatToDo);
    assert.doesNotMatch(result.stdout, /No model server answered/);
    assert.equal(readFileSync(file, "utf8"), "{}\n", "nothing written");
    const json = await runCli(["models", "discover", "--url", gateway.url, "--json"]);
    const report = JSON.parse(json.stdout) as { servers: unknown[]; silent: unknown[]; gateways: { origin: string; version: string; title: string; fix: string }[] };
    assert.deepEqual([report.servers, report.silent], [[], []]);
    assert.equal(report.gateways[0]?.origin, gateway.url);
    assert.match(report.gateways[0]?.title ?? "", said);
  });

  test("init --url: the same words, and the next step asks for a model server's address", async () => {
    const file = `${temp.dir}/init/hearth.json5`;
    const result = await runCli(["init", "--url", gateway.url, "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, said);
    assert.match(result.stdout, whatToDo);
    assert.doesNotMatch(result.stdout, /No model server answered|start the model server at/);
    assert.match(result.stdout, /^Next: give the address of a model server behind the gateway: `\S+ --config \S+ models discover --write --url ADDRESS`/m, result.stdout);
  });

  test("models load --url: the same words, nothing asked to load; the command in the fix as the user runs hearth, with its --config", async () => {
    const result = await runCli(["models", "load", "some-model", "--url", gateway.url, "--config", `${temp.dir}/none.json5`]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, said);
    assert.match(result.stderr, whatToDo);
    assert.match(result.stderr, /`\S*hearth --config \S+none\.json5 models discover --url ADDRESS`/, result.stderr);
  });

  test("models status --probe and doctor: a provider at the gateway is said to be one, naming its baseUrl", async () => {
    const file = temp.write(
      "at-gateway.json5",
      `{ agents: { defaults: { model: { primary: "home/m" } } },
        models: { mode: "replace", providers: { home: { baseUrl: "${gateway.url}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192, maxTokens: 512 }] } } } }\n`,
    );
    const env = { HEARTH_STATE_DIR: `${temp.dir}/probe-state`, HEARTH_GATEWAY_URL: gateway.url };
    const status = await runCli(["models", "status", "--probe", "--json", "--config", file], { env });
    const problems = (JSON.parse(status.stdout) as { chain: { problems: { id: string; title: string; fix: string }[] }[] }).chain[0]?.problems ?? [];
    const found = problems.find((problem) => problem.id === "hearth-gateway");
    assert.match(found?.title ?? "", said, status.stdout);
    assert.match(found?.fix ?? "", /^point models\.providers\.home\.baseUrl at the model servers behind it/);
    const doctor = await runCli(["doctor", "--config", file], { env });
    assert.match(doctor.stdout, new RegExp(`! warn \\[hearth-gateway\\] home: ${said.source}`), doctor.stdout);
  });
});

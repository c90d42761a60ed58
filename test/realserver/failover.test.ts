// Failover between two real llama-servers: the primary killed, and the primary stopped (SIGSTOP: the
// port still accepts connections, nothing answers).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { realConfig, type AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

describe("failover to a second real llama-server", () => {
  let spare: RealServer;
  const started: RealServer[] = [];
  const temp = tempDir();
  before(async () => {
    spare = await startRealServer({ alias: "spare-stories" });
    started.push(spare);
  });
  after(async () => {
    temp.cleanup();
    await Promise.all(started.map((server) => server.kill()));
  });

  const ask = async (primary: RealServer, name: string): Promise<AgentJson> => {
    const file = temp.write(`${name}.json5`, realConfig(primary, { fallback: spare, timeoutSeconds: 3 }));
    const env = { HEARTH_STATE_DIR: join(temp.dir, name) };
    const first = await runCli(["agent", "--config", file, "--session", name, "--json", "--message", "Tell me a story."], { env });
    assert.equal(first.code, 0, first.stderr);
    return JSON.parse(first.stdout) as AgentJson;
  };

  test("the primary killed: the spare answers, and the attempt says unreachable", async () => {
    const primary = await startRealServer();
    started.push(primary);
    const before = await ask(primary, "killed");
    assert.equal(before.model, `llama/${primary.alias}`, "the primary answers while it runs");
    await primary.kill();
    const file = temp.write("killed.json5", realConfig(primary, { fallback: spare, timeoutSeconds: 3 }));
    const result = await runCli(["agent", "--config", file, "--session", "killed", "--json", "--message", "And then?"], { env: { HEARTH_STATE_DIR: join(temp.dir, "killed") } });
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout) as AgentJson;
    assert.equal(answer.model, `spare/${spare.alias}`);
    assert.deepEqual(answer.attempts.map((attempt) => [attempt.model, attempt.outcome]), [[`llama/${primary.alias}`, "unreachable"], [`spare/${spare.alias}`, "ok"]]);
    assert.ok(answer.text.length > 0);
  });

  test("the primary stopped (SIGSTOP): the first-token timeout fires and the spare answers", async () => {
    const primary = await startRealServer();
    started.push(primary);
    primary.stop();
    try {
      const answer = await ask(primary, "stopped");
      assert.equal(answer.model, `spare/${spare.alias}`);
      assert.deepEqual(answer.attempts.map((attempt) => [attempt.model, attempt.outcome]), [[`llama/${primary.alias}`, "timeout"], [`spare/${spare.alias}`, "ok"]]);
    } finally {
      primary.resume();
    }
  });
});

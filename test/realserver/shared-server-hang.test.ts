// One real llama-server in the chain twice (its Responses API and its chat completions, as two
// providers), stopped with SIGSTOP (the port accepts connections, nothing answers): the first entry is
// waited on until its timeout, the second is not waited on again, and the spare answers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import type { AgentJson } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

let stuck: RealServer;
let spare: RealServer;
const temp = tempDir();
before(async () => {
  [stuck, spare] = await Promise.all([startRealServer(), startRealServer({ alias: "spare-stories" })]);
});
after(async () => {
  stuck.resume();
  temp.cleanup();
  await Promise.all([stuck.kill(), spare.kill()]);
});

/**
 * The stopped server's entries' limit (`timeoutSeconds`): each test waits it out for real. Past the first wait notice
 * (5 s), which the gateway's stream must carry; the outcome and the words are the same at any limit.
 */
const LIMIT_SECONDS = 7;

const config = (): string => `{
  agents: { defaults: { model: { primary: "llamacpp/${stuck.alias}", fallbacks: ["llamacc/${stuck.alias}", "spare/${spare.alias}"] }, fallbackNotice: true } },
  models: { mode: "replace", providers: {
    llamacpp: { baseUrl: "${stuck.baseUrl}", api: "openai-responses", timeoutSeconds: ${LIMIT_SECONDS}, models: [{ id: "${stuck.alias}", contextWindow: 2048, maxTokens: 48 }] },
    llamacc: { baseUrl: "${stuck.baseUrl}", api: "openai-completions", timeoutSeconds: ${LIMIT_SECONDS}, models: [{ id: "${stuck.alias}", contextWindow: 2048, maxTokens: 48 }] },
    spare: { baseUrl: "${spare.baseUrl}", api: "openai-completions", models: [{ id: "${spare.alias}", contextWindow: 2048, maxTokens: 48 }] },
  } },
}`;

test("a stopped server serving two chain entries is waited on once: the second entry is skipped, and the notice says which was waited on", { timeout: 120_000 }, async () => {
  const file = temp.write("hearth.json5", config());
  const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
  const warm = await runCli(["agent", "--config", file, "--session", "s", "--json", "--message", "Tell me a story."], { env });
  assert.equal(warm.code, 0, warm.stderr);
  assert.equal((JSON.parse(warm.stdout) as AgentJson).model, `llamacpp/${stuck.alias}`, "the server answers while it runs");
  stuck.stop();
  const result = await runCli(["agent", "--config", file, "--session", "s", "--json", "--message", "And then?"], { env });
  assert.equal(result.code, 0, result.stderr);
  const answer = JSON.parse(result.stdout) as AgentJson & { notice?: string };
  assert.equal(answer.model, `spare/${spare.alias}`);
  assert.deepEqual(
    answer.attempts.map((attempt) => [attempt.model, attempt.outcome]),
    [
      [`llamacpp/${stuck.alias}`, "timeout"],
      [`llamacc/${stuck.alias}`, "skipped-cooldown"],
      [`spare/${spare.alias}`, "ok"],
    ],
  );
  assert.match(`${answer.notice ?? ""}\n${result.stderr}`, new RegExp(`answered by spare/${spare.alias} — llamacpp/${stuck.alias} \\(local server\\) timed out; llamacc/${stuck.alias} \\(local server\\) not waited on: its server had just hung for llamacpp/${stuck.alias}`));
});

test("through the gateway (an agent-mode API stream): the same, and the stream's notices say what happened", { timeout: 120_000 }, async () => {
  stuck.resume();
  const file = temp.write("gateway.json5", config());
  const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "gateway-state") });
  try {
    const ask = async (session: string): Promise<string> => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hearth-session": session },
        body: JSON.stringify({ model: "hearth", stream: true, messages: [{ role: "user", content: "Tell me a story." }] }),
      });
      return await response.text();
    };
    assert.match(await ask("warm"), /\[DONE\]/);
    stuck.stop();
    const stream = await ask("stuck");
    const notices = stream.split("\n").filter((line) => line.startsWith(": hearth:"));
    // The first entry is waited on (its first-token watch, then its timeout); the second, on the same server, is not.
    assert.deepEqual(notices.filter((line) => line.includes("no reply from")).map((line) => /no reply from (\S+)/.exec(line)?.[1]), [`llamacpp/${stuck.alias}`], notices.join("\n"));
    assert.ok(notices.some((line) => line.includes(`answered by spare/${spare.alias} — llamacpp/${stuck.alias} (local server) timed out; llamacc/${stuck.alias} (local server) not waited on: its server had just hung for llamacpp/${stuck.alias}`)), notices.join("\n"));
  } finally {
    await gateway.stop();
  }
});

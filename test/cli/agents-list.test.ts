import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { conversationOf, lastUser, scriptedModel } from "../helpers/scripted-model.js";

const temp = tempDir();
const servers: FakeServer[] = [];
after(async () => {
  temp.cleanup();
  await Promise.all(servers.map((server) => server.close()));
});

test("agents.list: an agent inherits the defaults it leaves out; --agent picks it; /compact summarises on demand", async () => {
  const local = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: /Summary so far|Conversation to add/.test(lastUser(turns)) ? "SUMMARY: counted to three." : `local: ${lastUser(turns)}` })));
  const hosted = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `hosted: ${lastUser(turns)}` })));
  servers.push(local, hosted);
  const file = temp.write(
    "agents.json5",
    `{
      agents: {
        defaults: { model: { primary: "cloud/m", fallbacks: ["home/m"] }, systemPrompt: "You are the default agent." },
        list: [ { id: "private", name: "Private", privacy: "local-only", systemPrompt: "You only see local models.", tools: { allow: [] } } ],
      },
      models: { mode: "replace", providers: {
        home: { baseUrl: "${local.baseUrl}", api: "openai-completions", models: [{ id: "m" }] },
        cloud: { baseUrl: "${hosted.baseUrl}", api: "openai-completions", models: [{ id: "m" }] },
      } },
    }`,
  );
  const env = { HEARTH_STATE_DIR: join(temp.dir, "agents") };
  const main = await runCli(["agent", "--config", file, "--message", "one"], { env });
  assert.equal(main.stdout, "hosted: one\n", main.stderr);

  // "cloud" is on 127.0.0.1 here, so it counts as local; the policy is exercised through the chain the agent inherits.
  const priv = await runCli(["agent", "--config", file, "--agent", "private", "--session", "p", "--message", "two"], { env });
  assert.equal(priv.code, 0, priv.stderr);
  const request = hosted.requests.filter((entry) => entry.method === "POST").pop();
  const turns = conversationOf("openai-completions", request?.body as Record<string, unknown>);
  assert.match(turns[0]?.text ?? "", /^You only see local models\.\n.*untrusted/s, "its own prompt, with the untrusted-content rule added");
  assert.equal((request?.body as { tools?: unknown }).tools, undefined, "tools: { allow: [] } sends no tools");

  // Named in any case, as a model alias is.
  const anyCase = await runCli(["agent", "--config", file, "--agent", "Private", "--session", "p", "--message", "again"], { env });
  assert.equal(anyCase.code, 0, anyCase.stderr);

  const unknown = await runCli(["agent", "--config", file, "--agent", "privat", "--message", "x"], { env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no agent "privat"; did you mean "private"\? \(agents: main, private\)/);

  for (const text of ["three", "four"]) await runCli(["agent", "--config", file, "--session", "c", "--message", text], { env });
  const compact = await runCli(["agent", "--config", file, "--session", "c", "--message", "/compact the counting"], { env });
  assert.match(compact.stdout, /^Compacted: older turns are summarised/);
  const summaryRequest = hosted.requests.filter((entry) => entry.method === "POST").pop();
  assert.match(lastUser(conversationOf("openai-completions", summaryRequest?.body as Record<string, unknown>)), /Focus especially on: the counting/);
});

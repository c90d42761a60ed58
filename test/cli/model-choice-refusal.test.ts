// `/model` refuses a model that has no alias and is not in the agent's chain, and says how to make it
// a choice: the alias to add to agents.defaults.models — which, added, makes `/model <alias>` work. Its
// reason agrees with the list of choices beside it: the agent's own models are choices without an alias
// (the t9 trial saw "only models with an alias can be chosen" beside a primary that had none). Through
// the real `bin/hearth agent`.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser, scriptedModel } from "../helpers/scripted-model.js";

const temp = tempDir();
after(() => temp.cleanup());

test("/model names the alias to add for a model it refuses, and the added alias chooses it", async () => {
  const server = await startFakeServer(scriptedModel("openai-completions", (turns) => ({ text: `got: ${lastUser(turns)}` })));
  try {
    const config = (aliases: string): string => `{
      agents: { defaults: { model: { primary: "local/fast" }, models: { "local/slow": { alias: "Slow" }${aliases} } } },
      models: { mode: "replace", providers: { local: { baseUrl: "${server.baseUrl}", api: "openai-completions",
        models: [{ id: "fast", contextWindow: 8192 }, { id: "slow", contextWindow: 8192 }, { id: "think", contextWindow: 8192 }, { id: "other", contextWindow: 8192 }] } } } }`;
    const file = temp.write("choices.json5", config(`, "local/other": { alias: "Think" }`));
    const env = { HEARTH_STATE_DIR: join(temp.dir, "state") };
    const refused = await runCli(["agent", "--config", file, "--message", "/model local/think"], { env });
    assert.equal(refused.code, 0, refused.stderr);
    const [reason, list] = refused.stdout.trimEnd().split("\n");
    // "Think" is another model's alias here: the fix leaves the alias to fill in.
    assert.equal(reason, `local/think cannot be chosen here: only models with an alias and the agent's own models can; to choose it, add "local/think": { alias: "…" } to agents.defaults.models`);
    assert.equal(list, "you can choose: Slow (local/slow), Think (local/other), local/fast");

    temp.write("choices.json5", config(""));
    const suggested = await runCli(["agent", "--config", file, "--message", "/model local/think"], { env });
    assert.match(suggested.stdout, /^local\/think cannot be chosen here: [^\n]*; to choose it, add "local\/think": \{ alias: "Think" \} to agents\.defaults\.models, then \/model Think\n/, suggested.stdout);

    // The fix, as written: the alias chooses the model.
    temp.write("choices.json5", config(`, "local/think": { alias: "Think" }`));
    const chosen = await runCli(["agent", "--config", file, "--message", "/model Think"], { env });
    assert.equal(chosen.stdout, "This session now uses Think (local/think).\n", chosen.stderr);
  } finally {
    await server.close();
  }
});

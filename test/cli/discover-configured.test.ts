// `models discover` without --write names what it finds as --write would write it: a server the config
// has already (a llama-server on 8098 the config calls `llamacpp`) by the config's provider id, said to
// be configured, with the models that are new — never a proposal of `llamacpp-8098` beside it. The trial:
// another llama-server on the usual port took `llamacpp` and the configured one was offered as a second.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { FakeServer } from "../fakes/fake-server.js";
import { startLlamaCpp } from "../fakes/llamacpp-server.js";
import { runCli, tempDir } from "../helpers/run-cli.js";

interface Report {
  servers: { origin: string; providerId: string; configured?: { newModels: string[] }; models: { id: string }[] }[];
}

describe("models discover names a server the config has by the config's provider id", () => {
  const temp = tempDir();
  let usual: FakeServer;
  let configured: FakeServer;
  before(async () => {
    usual = await startLlamaCpp({ alias: "qwen3-8b", nCtx: 4096 });
    configured = await startLlamaCpp({ alias: "stories260k", nCtx: 2048, listed: ["stories260k", "tinyllama"] });
  });
  after(async () => {
    await Promise.all([usual.close(), configured.close()]);
    temp.cleanup();
  });

  const config = (): string =>
    temp.write(
      `configured-${Math.random().toString(36).slice(2)}.json5`,
      `{
  agents: { defaults: { model: { primary: "llamacpp/stories260k" } } },
  models: { providers: { llamacpp: { baseUrl: "http://localhost:${new URL(configured.url).port}/v1", api: "openai-completions", models: [{ id: "stories260k", contextWindow: 2048 }] } } },
}
`,
    );

  test("the report: the configured server as llamacpp (configured, its new model named), the other apart by its port — as --write then writes them", async () => {
    const file = config();
    const urls = ["--url", usual.url, "--url", configured.url];
    const listed = await runCli(["models", "discover", ...urls, "--json", "--config", file]);
    assert.equal(listed.code, 0, listed.stderr);
    const report = JSON.parse(listed.stdout) as Report;
    const byOrigin = (url: string) => report.servers.find((server) => server.origin === url);
    const usualPort = new URL(usual.url).port;
    assert.equal(byOrigin(configured.url)?.providerId, "llamacpp", listed.stdout);
    assert.deepEqual(byOrigin(configured.url)?.configured, { newModels: ["tinyllama"] });
    assert.equal(byOrigin(usual.url)?.providerId, `llamacpp-${usualPort}`, "the config's llamacpp is another server's: this one is named apart");
    assert.equal(byOrigin(usual.url)?.configured, undefined);

    const human = await runCli(["models", "discover", ...urls, "--config", file]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`llama\\.cpp at ${configured.url.replace(/[.]/g, "\\.")} \\(answered in [\\d.]+ ms\\) → provider llamacpp \\(in the config already; new: tinyllama\\), `));
    assert.doesNotMatch(human.stdout, new RegExp(`llamacpp-${new URL(configured.url).port}`), "never proposed as a second provider");
    assert.match(human.stdout, new RegExp(`^    "llamacpp-${usualPort}": \\{`, "m"), "the other server's block to paste");
    assert.match(human.stdout, /^ {2}under models\.providers\.llamacpp\.models \(in the config already\):\n {4}\{\s*id: "tinyllama",/m, human.stdout);
    assert.doesNotMatch(human.stdout, /id: "stories260k"/, "the model it lists already is not offered again");

    // --write does what the report said.
    const written = await runCli(["models", "discover", ...urls, "--write", "--json", "--config", file]);
    assert.equal(written.code, 0, written.stdout + written.stderr);
    const changes = (JSON.parse(written.stdout) as { written: { changes: string[] } }).written.changes;
    assert.ok(changes.includes(`added provider llamacpp-${usualPort} (openai-completions, ${usual.url}/v1) with 1 model (qwen3-8b) at models.providers.llamacpp-${usualPort}`), changes.join("\n"));
    assert.ok(changes.includes("added 1 model (tinyllama) to models.providers.llamacpp.models"), changes.join("\n"));
    assert.equal(readFileSync(file, "utf8").match(/baseUrl:/g)?.length, 2, "no second provider for the configured server");
  });

  test("once the config has every model, the report says there is nothing to add", async () => {
    const file = config();
    assert.equal((await runCli(["models", "discover", "--url", configured.url, "--write", "--config", file])).code, 0);
    const human = await runCli(["models", "discover", "--url", configured.url, "--config", file]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /→ provider llamacpp \(in the config already, with every model it serves\), /);
    assert.match(human.stdout, /^Nothing to add: the config has every server found, with every model it serves\.$/m);
    assert.doesNotMatch(human.stdout, /under models\.providers/);
  });

  test("a configured provider is said with its own api, which --write keeps (t18 #12: it announced discovery's api instead)", async () => {
    const file = temp.write(
      "configured-responses.json5",
      `{ models: { providers: { llamacpp: { baseUrl: "http://localhost:${new URL(configured.url).port}/v1", api: "openai-responses", models: [{ id: "stories260k" }] } } } }`,
    );
    const human = await runCli(["models", "discover", "--url", configured.url, "--config", file]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /→ provider llamacpp \(in the config already; new: tinyllama\), api openai-responses, /, human.stdout);
    assert.equal((await runCli(["models", "discover", "--url", configured.url, "--write", "--config", file])).code, 0);
    const written = readFileSync(file, "utf8");
    assert.match(written, /api: "openai-responses"/);
    assert.doesNotMatch(written, /openai-completions/, "no entry names another api");
  });
});

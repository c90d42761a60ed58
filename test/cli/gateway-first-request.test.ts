// The real gateway makes, once it listens and again after each reload, what its first request would
// otherwise make on first use: the catalogue every request names its model by (made by the t15 trial's
// first request: 3–4.6 s, the second 0.1 s), the tools' schemas, the adapters of the protocols its
// chains speak. Its log says so at debug level, before any request came.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { refusedUrl } from "../fakes/fake-server.js";
import { tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

type Line = Record<string, unknown>;

const config = (down: string, fallback: string): string => `{
  agents: { defaults: { model: { primary: "local/m"${fallback ? `, fallbacks: ["${fallback}"]` : ""} } } },
  models: { mode: "merge", providers: {
    local: { baseUrl: "${down}/v1", api: "openai-completions", models: [{ id: "m", contextWindow: 8192 }] },
    other: { baseUrl: "${down}/v1", api: "openai-responses", models: [{ id: "r", contextWindow: 8192 }] },
  } },
}`;

test("the gateway makes what the first request needs before it comes, and again after a reload", { timeout: 60_000 }, async () => {
  const down = await refusedUrl();
  const file = temp.write("hearth.json5", config(down, ""));
  const state = join(temp.dir, "state");
  const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: state, HEARTH_LOG_LEVEL: "debug" });
  try {
    const lines = (): Line[] =>
      readFileSync(join(state, "logs/gateway.log"), "utf8")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Line);
    const prepared = async (count: number): Promise<Line> => {
      for (let wait = 0; wait < 400; wait++) {
        const found = lines().filter((line) => line.msg === "made ahead what the first request needs");
        if (found.length >= count) return found[count - 1] as Line;
        await new Promise((done) => setTimeout(done, 50));
      }
      assert.fail(`no line "made ahead what the first request needs" (#${count}) in the log:\n${lines().map((line) => JSON.stringify(line)).join("\n")}`);
    };
    const first = await prepared(1);
    // The built-in catalog merged in: hundreds of models, whose catalogue the first request used to make.
    assert.ok(typeof first.models === "number" && first.models > 100, `models: ${String(first.models)}`);
    assert.ok(typeof first.tools === "number" && first.tools > 0, `tools: ${String(first.tools)}`);
    assert.deepEqual(first.adapters, ["openai-completions"], "the chain's protocol (not every protocol the config has)");
    assert.equal(lines().filter((line) => line.msg === "request").length, 0, "before any request");

    // A reload that brings a fallback of another protocol: its adapter is loaded too, before a request needs it.
    temp.write("hearth.json5", config(down, "other/r"));
    await gateway.waitFor(/config reloaded/);
    const again = await prepared(2);
    assert.deepEqual(again.adapters, ["openai-completions", "openai-responses"]);
  } finally {
    await gateway.stop();
  }
});

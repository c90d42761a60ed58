// Trial t20 #3: the web chat's Providers panel said "not checked yet · no answers yet" for a provider that had just
// answered a turn `hearth agent` sent beside the running gateway: the gateway learned nothing of another process's
// calls. The real gateway and the real CLI on one state dir, two model servers on 127.0.0.1; the panel is read as the
// page reads it (/api/status). A provider outside every chain, named with --model, so that the gateway's own setup
// check never asks its server: only what the command beside it found can make the panel say anything of it.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ProviderHealth } from "../../src/gateway/port.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway, type RunningGateway } from "../helpers/run-gateway.js";

/** How long the panel may take to hear of it: the gateway looks every 2 s. A bound on the wait, not a measurement. */
const PATIENCE_MS = 15_000;

describe("the provider panel hears of the calls of `hearth agent` beside the gateway (real gateway, real CLI)", { timeout: 90_000 }, () => {
  const temp = tempDir();
  const servers: FakeServer[] = [];
  let gateway: RunningGateway | undefined;
  after(async () => {
    await gateway?.stop();
    for (const server of servers) await server.close();
    temp.cleanup();
  });

  test("an answer makes it up with its first-token latency; a failure after it is said with when (not down); a rate limit is said as a cooldown", async () => {
    let spareSays: "answer" | "error" | "rate-limit" = "answer";
    const listing = { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } } as const;
    const home = await startFakeServer((request) => (request.method === "GET" ? listing : { kind: "sse", frames: completionsStream({ model: "m", text: "from home" }) }));
    const spare = await startFakeServer((request) => {
      // Rate-limited, it refuses its listing too: the gateway's health monitor, which probes a cooling local server, finds it still refusing.
      if (spareSays === "rate-limit") return { kind: "json", status: 429, headers: { "retry-after": "120" }, body: { error: { message: "slow down" } } };
      if (request.method === "GET") return listing;
      if (spareSays === "error") return { kind: "json", status: 500, body: { error: { message: "the spare server broke" } } };
      return { kind: "sse", frames: completionsStream({ model: "m", text: "from spare" }) };
    });
    servers.push(home, spare);
    const state = join(temp.dir, "state");
    const model = { id: "m", contextWindow: 32768, maxTokens: 512 };
    const config = temp.write(
      "hearth.json",
      JSON.stringify({
        agents: { defaults: { model: { primary: "home/m" } } },
        models: { mode: "replace", providers: { home: { baseUrl: home.baseUrl, api: "openai-completions", models: [model] }, spare: { baseUrl: spare.baseUrl, api: "openai-completions", models: [model] } } },
      }),
    );
    const env = { HEARTH_STATE_DIR: state };
    gateway = await startGateway(["--config", config], env);
    const running = gateway;
    const panel = async (): Promise<ProviderHealth | undefined> => {
      const status = (await (await fetch(`${running.url}/api/status`)).json()) as { providers: ProviderHealth[] };
      return status.providers.find((provider) => provider.provider === "spare");
    };
    const until = async (what: string, done: (health: ProviderHealth | undefined) => boolean): Promise<ProviderHealth | undefined> => {
      let health = await panel();
      for (const started = Date.now(); !done(health) && Date.now() - started < PATIENCE_MS; health = await panel()) await new Promise((resolve) => setTimeout(resolve, 250));
      assert.ok(done(health), `${what}: ${JSON.stringify(health)}`);
      return health;
    };
    assert.equal(await panel(), undefined, "not in the panel before anything called it");

    const answered = await runCli(["agent", "--config", config, "--model", "spare/m", "--message", "hello"], { env });
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stdout, /from spare/);
    const up = await until("the answer is heard of", (health) => health?.state === "up" && health.firstTokenMs.length === 1);
    assert.equal(up?.reason, undefined);

    spareSays = "error";
    await runCli(["agent", "--config", config, "--model", "spare/m", "--message", "again"], { env });
    const failed = await until("the failure is heard of", (health) => /beside the gateway/.test(health?.reason ?? ""));
    assert.match(failed?.reason ?? "", /a hearth command beside the gateway found it answered with a server error at \d\d:\d\d/);
    // A server error is no sign its server is gone (s27 review #7): said as the reason, not "down".
    assert.equal(failed?.state, "up");
    assert.equal(failed?.firstTokenMs.length, 1, "the earlier answer's latency stays");

    spareSays = "rate-limit";
    await runCli(["agent", "--config", config, "--model", "spare/m", "--message", "once more"], { env });
    const cooling = await until("the cooldown it started is heard of", (health) => health?.state === "cooling");
    assert.ok(Date.parse(cooling?.coolingUntil ?? "") > Date.now(), `cooling until later: ${cooling?.coolingUntil}`);

    // What the file holds: provider names, times, milliseconds and outcome kinds — no words of a server or a conversation.
    const file = join(state, "provider-outcomes.json");
    assert.ok(existsSync(file));
    const text = readFileSync(file, "utf8");
    for (const word of ["broke", "slow down", "hello", "from spare"]) assert.ok(!text.includes(word), `${word} is not in ${text}`);
    assert.ok(Object.keys(JSON.parse(text) as object).every((provider) => ["home", "spare"].includes(provider)), text);
  });
});

// llama-server at -c 2048 -np 2: each slot serves 1,024 tokens (its log: kv_unified = 'false'). The
// advice of models status --probe is followed as written — each command it gives, run for real, serves
// the configured window — and the shared-cache note says the log's word, not a restart to the same flags.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { startGateway } from "../helpers/run-gateway.js";
import { realConfig } from "./config.js";
import { startRealServer, type RealServer } from "./real-server.js";

interface Problem {
  id: string;
  title: string;
  fix: string;
}

async function probe(server: RealServer, file: string): Promise<{ servedContext: number | null; slots: number | null; problems: Problem[] }> {
  const result = await runCli(["models", "status", "--probe", "--json", "--config", file]);
  const [entry] = (JSON.parse(result.stdout) as { chain: { servedContext: number | null; slots: number | null; problems: Problem[] }[] }).chain;
  assert.ok(entry, result.stdout + result.stderr);
  return entry;
}

describe("llama-server -c 2048 -np 2 under contextWindow 2048", () => {
  const temp = tempDir();
  const servers: RealServer[] = [];
  after(async () => {
    temp.cleanup();
    for (const server of servers) await server.kill();
  });
  const start = async (options: Parameters<typeof startRealServer>[0]): Promise<RealServer> => {
    const server = await startRealServer(options);
    servers.push(server);
    return server;
  };

  test("served-context-small gives -c 4096 keeping -np 2, or -np 1 -c 2048; each, run, serves 2048 a request", async () => {
    const split = await start({ ctx: 2048, parallel: 2 });
    assert.match(split.log(), /n_slots = 2, n_ctx_slot = 1024, kv_unified = 'false'/, "the server's own word");
    const before = await probe(split, temp.write("split.json5", realConfig(split)));
    assert.equal(before.servedContext, 1024);
    const small = before.problems.find((problem) => problem.id === "served-context-small");
    assert.ok(small, JSON.stringify(before.problems));
    assert.doesNotMatch(small.fix, /llama\.cpp: -c 2048[;)]/, "not the -c the server already has");
    const keep = /-c (\d+) keeping -np (\d+)/.exec(small.fix);
    const single = /-np 1 -c (\d+)/.exec(small.fix);
    assert.ok(keep && single, small.fix);
    assert.deepEqual([keep[1], keep[2], single[1]], ["4096", "2", "2048"]);
    for (const [ctx, parallel] of [[Number(keep[1]), Number(keep[2])], [Number(single[1]), 1]] as const) {
      const fixed = await start({ ctx, parallel });
      const after = await probe(fixed, temp.write(`fixed-${parallel}.json5`, realConfig(fixed)));
      assert.equal(after.servedContext, 2048, `-c ${ctx} -np ${parallel}`);
      assert.deepEqual(after.problems.filter((problem) => problem.id === "served-context-small"), [], `-c ${ctx} -np ${parallel}`);
      await fixed.kill();
    }
  });

  test("past the model's trained context (2048) no -c helps: the fix lowers contextWindow, and names the flags that give 2048", async () => {
    const split = servers[0] ?? (await start({ ctx: 2048, parallel: 2 }));
    const entry = await probe(split, temp.write("beyond.json5", realConfig(split, { contextWindow: 8192 })));
    const small = entry.problems.find((problem) => problem.id === "served-context-small");
    assert.match(small?.fix ?? "", /^lower models\.providers\.llama → stories260k contextWindow to 1024, or to 2048 \(the most it was trained for\) after restarting llama-server with -c 4096 keeping -np 2 .*-np 1 -c 2048: llama\.cpp gives no request more than the 2048 tokens/);
    assert.doesNotMatch(small?.fix ?? "", /-c 8192|-c 16384/);
  });

  test("shared-cache is said as a possibility, with the log line that settles it; no restart to the flags it already has", async () => {
    const split = servers[0] ?? (await start({ ctx: 2048, parallel: 2 }));
    const entry = await probe(split, temp.write("shared.json5", realConfig(split)));
    const shared = entry.problems.find((problem) => problem.id === "shared-cache");
    assert.match(shared?.title ?? "", /2 slots that may share one cache of 1024 tokens \(.*with -np 2 each slot has its own 1024; \/props does not say which\)/);
    // The log's 'false' needs no restart: the config says so, and the note goes (below).
    assert.match(shared?.fix ?? "", /kv_unified = 'false' \(started with -np 2\): each slot has its own 1024 tokens: set models\.providers\.llama\.kvCache: "per-slot" and hearth sends requests to it at once \(this note goes\)/);
    // Its restart is for kv_unified = 'true' only: there -c is the slot's 1024, so -c 2048 --no-kv-unified changes it.
    assert.match(shared?.fix ?? "", /kv_unified = 'true': set models\.providers\.llama\.kvCache: "shared" to say so, or restart llama-server with -np 2 -c 2048 --no-kv-unified/);
    // Said in the config: per-slot, no note; shared, the note without "may".
    const declared = (kvCache: string) => realConfig(split).replace('llama: { baseUrl:', `llama: { kvCache: "${kvCache}", baseUrl:`);
    const perSlot = await probe(split, temp.write("per-slot.json5", declared("per-slot")));
    assert.deepEqual(perSlot.problems.filter((problem) => problem.id === "shared-cache"), [], JSON.stringify(perSlot.problems));
    const perSlotText = await runCli(["models", "status", "--probe", "--config", temp.write("per-slot-text.json5", declared("per-slot"))]);
    assert.match(perSlotText.stdout, /served with 1024 context \(2 slots, each its own\)/, perSlotText.stdout);
    const sharing = (await probe(split, temp.write("sharing.json5", declared("shared")))).problems.find((problem) => problem.id === "shared-cache");
    assert.match(sharing?.title ?? "", /2 slots that share one cache of 1024 tokens \(models\.providers\.llama\.kvCache: "shared"\)/);
    const unified = await start({ ctx: 1024, parallel: 2, extraArgs: ["--kv-unified"] });
    assert.match(unified.log(), /n_slots = 2, n_ctx_slot = 1024, kv_unified = 'true'/, "the case that restart is for: the same /props, one shared cache");
    const following = await start({ ctx: 2048, parallel: 2, extraArgs: ["--no-kv-unified"] });
    assert.match(following.log(), /n_slots = 2, n_ctx_slot = 1024, kv_unified = 'false'/, "following it: each slot its own 1024");
  });
});

describe("llama-server -c 512 -np 2 (256 tokens a slot) under contextWindow 2048: no message fits", () => {
  const temp = tempDir();
  let server: RealServer | undefined;
  after(async () => {
    temp.cleanup();
    await server?.kill();
  });
  // Every path that says a context is too small gives the flags that keep -np 2: -c (wanted × 2), or -np 1.
  const PER_SLOT = /llama\.cpp: -c (\d+) keeping -np 2 \(each of its 2 slots gets -c \/ -np: 256 now\), or -np 1 -c (\d+)[;)]/;

  test("hearth agent, models status --probe and the API's proxy mode: the fix is per slot, never a -c the two slots would halve", async () => {
    server = await startRealServer({ ctx: 512, parallel: 2 });
    const file = temp.write("agent.json5", realConfig(server, { contextWindow: 2048 }));
    const agent = await runCli(["agent", "--config", file, "-m", "hi"], { env: { HEARTH_STATE_DIR: join(temp.dir, "agent") } });
    assert.equal(agent.code, 1, agent.stdout);
    assert.match(agent.stderr, /cannot take any message: the server runs llama\/stories260k with 256 tokens of context/);
    const fromAgent = PER_SLOT.exec(agent.stderr);
    assert.ok(fromAgent, agent.stderr);
    assert.equal(Number(fromAgent[1]), 2 * Number(fromAgent[2]));
    const status = await probe(server, file);
    const tooSmall = status.problems.find((problem) => problem.id === "context-too-small");
    assert.match(tooSmall?.fix ?? "", PER_SLOT);
    const gateway = await startGateway(["--config", file], { HEARTH_STATE_DIR: join(temp.dir, "gateway") });
    try {
      const system = "You are a helpful assistant who tells short stories to children. ".repeat(6);
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "llama/stories260k", messages: [{ role: "system", content: system }, { role: "user", content: "hi" }] }) });
      const body = (await response.json()) as { error: { message: string } };
      assert.equal(response.status, 400, body.error.message);
      assert.match(body.error.message, PER_SLOT);
    } finally {
      await gateway.stop();
    }
  });
});

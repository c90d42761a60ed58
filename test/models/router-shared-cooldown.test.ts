// s27 review #6 (d): a `hearth agent` call that waits behind the gateway's generation on a one-slot local server hits its
// first-byte timeout and writes a cooldown; the gateway took it in while its own call was still streaming from that model,
// and its other turns went to a paid fallback while the local model was answering it. The router marks its call under
// way (Cooldowns.calling): no cooldown of that model is taken from the file until the call ends, and its answer outweighs it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HttpClient } from "../../src/ai/http/http-client.js";
import { createRouting } from "../../src/cli/wire-router.js";
import { cooldownFileIn } from "../../src/models/cooldown-file.js";
import { Cooldowns } from "../../src/models/cooldowns.js";
import { startFakeServer, type Reply } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { ask, chainFromServers, route } from "../helpers/routing.js";

const listing: Reply = { kind: "json", body: { object: "list", data: [{ id: "m", object: "model" }] } };

test("a command's hang on the local model, found while the gateway's own call to it is under way, is not taken: the model answering the gateway is not skipped", async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "hearth-shared-cooldown-"));
  // The file's times are the system's: the clock starts there.
  const clock = new ManualClock(Date.now());
  const http = new HttpClient();
  const gateway = createRouting({ http, clock, stateDir, sharesCooldowns: "every" });
  const seenDuringCall: (number | undefined)[] = [];
  const local = await startFakeServer((request) => {
    if (request.method === "GET") return listing;
    // While the gateway's call streams: the command beside it gives up on the same model, and the gateway looks at the file.
    new Cooldowns(clock, undefined, cooldownFileIn(stateDir, { now: () => clock.now() })).fail("local/m", { kind: "timeout", phase: "first-byte", message: "no first byte within 60 s" });
    clock.advance(2_200);
    gateway.cooldowns.takeShared();
    seenDuringCall.push(gateway.cooldowns.until("local/m"));
    return { kind: "sse", frames: completionsStream({ text: "from the local model", usage: { input: 10, output: 3 } }) };
  });
  const spare = await startFakeServer(() => ({ kind: "sse", frames: completionsStream({ text: "from the spare", usage: { input: 10, output: 3 } }) }));
  try {
    const chain = chainFromServers({ local: local.baseUrl, spare: spare.baseUrl });
    const first = await route(gateway.router, { chain, context: ask });
    assert.deepEqual(first.outcomes, ["local/m ok"]);
    assert.deepEqual(seenDuringCall, [undefined], "not taken while the gateway's own call to the model was under way");
    clock.advance(2_200);
    gateway.cooldowns.takeShared();
    assert.equal(gateway.cooldowns.until("local/m"), undefined, "the model answered the gateway after the command's call hung");
    spare.requests.length = 0;
    const next = await route(gateway.router, { chain, context: ask });
    assert.equal(next.outcomes[0], "local/m ok");
    assert.equal(spare.requests.length, 0, "no turn went to the fallback");
  } finally {
    http.destroy();
    await local.close();
    await spare.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

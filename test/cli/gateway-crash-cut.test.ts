// The turn a `kill -9` cuts (t13 #3, #4, #7): a real `hearth gateway` killed with SIGKILL mid-answer and
// started again. The message it was answering is marked cut by the stop (in the session file and in
// GET /api/sessions/:s), with a Retry that names it; the messages waiting behind it show as waiting while
// they wait (before the kill, and after the restart until the recovery can have the session); a turn cut
// after its tool ran is left out of what later turns send; turns cut in two sessions are both marked before
// any message sent after the restart is taken.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { gatewayLauncher, heldModel, localModelConfig as config, postMessage as post, readSnapshot as snapshot, sessionLines as entries, until, type HeldModel } from "../helpers/cut-gateway.js";
import { tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";

/** "echo: <message>" — after a `time` tool call when the message asks for the clock — every answer held until the test lets it go (the call asking for the tool passes). */
function clockModel(): HeldModel {
  return heldModel((turns) => (lastUser(turns).includes("clock") && turns.at(-1)?.role === "user" ? { tool: "time", arguments: {} } : { text: `echo: ${lastUser(turns)}` }), {
    passes: (request) => {
      const body = request.body as { messages?: { role: string }[] };
      return body.messages?.at(-1)?.role === "user" && JSON.stringify(body.messages.at(-1)).includes("clock");
    },
  });
}

describe("a turn cut by kill -9, and the messages behind it", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways = gatewayLauncher();
  const servers: FakeServer[] = [];
  after(async () => {
    gateways.killAll();
    await Promise.all(servers.map((server) => server.close()));
    temp.cleanup();
  });
  const launch = gateways.launch;

  test("the message being answered is marked cut off by the stop, the queued one not started; both show, each with its Retry, and a waiting message shows as waiting", async () => {
    const model = clockModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("cut.json5", config(server.baseUrl));
    const state = join(temp.dir, "cut-state");
    const gateway = await launch(file, state);
    assert.equal((await post(gateway, "line", { text: "first, streaming when killed" })).status, 202);
    await model.arrived(1);
    assert.equal((await post(gateway, "line", { text: "second, queued behind" })).status, 202);
    // A page opened now shows the queued message, waiting, after the turn under way (t13 #4).
    const before = await until(() => snapshot(gateway, "line"), (read) => read.waiting.length > 0);
    assert.deepEqual(before.waiting.map((message) => message.text), ["second, queued behind"]);
    assert.match(before.waiting[0]?.why ?? "", /waiting for the answer before it/);
    assert.ok(!before.items.some((item) => item.text === "second, queued behind"), "not in the saved items: it is in no session file yet");

    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");
    // The session held by another live process across the restart (here the test itself, having taken over the killed
    // gateway's hold): that hold is taken over at once, and the recovery would be over within milliseconds, before a page could look.
    const held = await new JsonlSessionStore(state).lock("line");
    const restarted = await launch(file, state);
    // Until the recovery can have the session, the queued message the killed gateway had taken in shows waiting, and why.
    const during = await until(() => snapshot(restarted, "line"), (read) => read.waiting.length > 0);
    assert.deepEqual(during.waiting.map((message) => message.text), ["second, queued behind"], JSON.stringify(during));
    assert.match(during.waiting[0]?.why ?? "", /kept from before hearth stopped/);
    assert.deepEqual(entries(state, "line").map((entry) => entry.type), ["session", "user"], "nothing of the recovery written while the session is held");
    await held.release();
    await restarted.waitFor(/1 answer\(s\) a stopped hearth was writing were cut off by its stop/, "stderr");
    await restarted.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");

    const failed = entries(state, "line").filter((entry) => entry.type === "turn-failed");
    assert.equal(failed.length, 2, JSON.stringify(failed));
    assert.match(failed[0]?.error ?? "", /^hearth stopped while answering this message \(the gateway was killed or crashed\): the words shown as the answer streamed were not kept — Retry sends it again$/);
    assert.match(failed[1]?.error ?? "", /^hearth stopped before this message's turn began; nothing was lost/);

    const after = await snapshot(restarted, "line");
    assert.deepEqual(after.waiting, []);
    assert.deepEqual(
      after.items.map((item) => [item.role, item.role === "notice" ? item.text.slice(0, 44) : item.text, item.unanswered ?? false]),
      [
        ["user", "first, streaming when killed", true],
        ["notice", "no answer: hearth stopped while answering th", false],
        ["user", "second, queued behind", true],
        ["notice", "no answer: hearth stopped before this messag", false],
      ],
    );
    const first = after.items[0]?.id;
    assert.ok(first, "a user item names its entry: a Retry sends that message");

    // Retry the first (not the last): its message is sent again, and answered.
    model.release();
    assert.equal((await post(restarted, "line", { text: "", retry: true, retryOf: first })).status, 202);
    const answered = await until(() => entries(state, "line"), (lines) => lines.at(-1)?.type === "assistant");
    const resend = answered.findLast((entry) => entry.type === "user");
    assert.deepEqual([resend?.text, resend?.retryOf], ["first, streaming when killed", first]);
    assert.equal(answered.at(-1)?.message?.content[0]?.text, "echo: first, streaming when killed");
    // The model was sent the message once: the cut turn and the unanswered one are left out.
    assert.deepEqual(model.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text), ["first, streaming when killed"]);
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });

  test("a turn cut after its tool ran is marked, and is left out whole (tool call and result) of what the next turn sends", async () => {
    const model = clockModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("tool.json5", config(server.baseUrl));
    const state = join(temp.dir, "tool-state");
    const gateway = await launch(file, state);
    assert.equal((await post(gateway, "tools", { text: "what does the clock say?" })).status, 202);
    // The second call (with the tool's result) is held: the tool ran, its result is saved, the answer is under way.
    await model.arrived(2);
    await until(() => entries(state, "tools"), (lines) => lines.some((entry) => entry.type === "tool-result"));
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");

    const restarted = await launch(file, state);
    await restarted.waitFor(/1 answer\(s\) a stopped hearth was writing were cut off by its stop/, "stderr");
    assert.deepEqual(
      entries(state, "tools").map((entry) => entry.type),
      ["session", "user", "assistant", "tool-result", "turn-failed"],
    );
    model.release();
    assert.equal((await post(restarted, "tools", { text: "and now?" })).status, 202);
    await until(() => entries(state, "tools"), (lines) => lines.at(-1)?.type === "assistant");
    assert.deepEqual(
      model.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => [turn.role, turn.text]),
      [["user", "and now?"]],
      "the cut turn (its message, its tool call and result) is not sent; no made-up tool result either",
    );
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });

  test("turns cut in two sessions at once are both marked before a message sent after the restart is taken, in either", async () => {
    const model = clockModel();
    const server = await startFakeServer(model.handler);
    servers.push(server);
    const file = temp.write("two.json5", config(server.baseUrl));
    const state = join(temp.dir, "two-state");
    const gateway = await launch(file, state);
    assert.equal((await post(gateway, "alpha", { text: "alpha, streaming when killed" })).status, 202);
    await model.arrived(1);
    assert.equal((await post(gateway, "beta", { text: "beta, streaming when killed" })).status, 202);
    await model.arrived(2);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");

    const restarted = await launch(file, state);
    model.release();
    // Sent at once, while the killed gateway's holds on both sessions have not gone stale: recovery comes first in each.
    assert.equal((await post(restarted, "beta", { text: "beta, after the restart" })).status, 202);
    assert.equal((await post(restarted, "alpha", { text: "alpha, after the restart" })).status, 202);
    await restarted.waitFor(/2 answer\(s\) a stopped hearth was writing were cut off by its stop/, "stderr");
    for (const session of ["alpha", "beta"]) {
      const lines = await until(() => entries(state, session), (read) => read.at(-1)?.type === "assistant");
      assert.deepEqual(
        lines.map((entry) => (entry.type === "user" ? `user: ${entry.text}` : entry.type)),
        ["session", `user: ${session}, streaming when killed`, "turn-failed", `user: ${session}, after the restart`, "assistant"],
        session,
      );
      assert.match(lines[2]?.error ?? "", /^hearth stopped while answering this message/);
    }
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });
});

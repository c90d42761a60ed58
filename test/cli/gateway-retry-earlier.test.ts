// Retrying a message that is not the last one (t13-replay #2): a real `hearth gateway` killed with SIGKILL
// while answering message 1, message 2 queued behind it, message 3 answered after the restart. Every
// message without an answer can be retried (the saved conversation marks each, with its id); a Retry of
// message 1 sends the model the right history, and is saved and read back as its answer — the question
// shown again above it, message 1's "no answer" notice saying it was sent again below and offering no
// Retry — in `GET /api/sessions/:s` and `hearth sessions show` alike; `/retry` typed sends the latest
// message without an answer, `/retry N` the n-th, and one past them names what there is.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startFakeServer, type FakeServer } from "../fakes/fake-server.js";
import { gatewayLauncher, heldModel, localModelConfig, postMessage as post, readSnapshot as snapshot, sessionLines, until } from "../helpers/cut-gateway.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { lastUser } from "../helpers/scripted-model.js";
import { openSse } from "../helpers/sse-client.js";

const FIRST = "first, streaming when killed";
const SECOND = "second, queued behind";
const THIRD = "third, after the restart";

describe("a Retry of an earlier message, after a kill -9", { timeout: 120_000 }, () => {
  const temp = tempDir();
  const gateways = gatewayLauncher();
  let server: FakeServer | undefined;
  after(async () => {
    gateways.killAll();
    await server?.close();
    temp.cleanup();
  });

  test("each unanswered message keeps its Retry; a Retry of the first reads as its answer everywhere; /retry and /retry N name the others", async () => {
    const model = heldModel((turns) => ({ text: `echo: ${lastUser(turns)}` }));
    server = await startFakeServer(model.handler);
    const file = temp.write("earlier.json5", localModelConfig(server.baseUrl));
    const state = join(temp.dir, "state");
    const gateway = await gateways.launch(file, state);
    assert.equal((await post(gateway, "s24", { text: FIRST })).status, 202);
    await model.arrived(1);
    assert.equal((await post(gateway, "s24", { text: SECOND })).status, 202);
    await until(() => snapshot(gateway, "s24"), (read) => read.waiting.length > 0);
    gateway.child.kill("SIGKILL");
    assert.equal(await gateway.exited, "SIGKILL");

    const restarted = await gateways.launch(file, state);
    await restarted.waitFor(/1 message\(s\) a stopped hearth had taken in but not answered are now in their sessions/, "stderr");
    model.release();
    const events = await openSse(`${restarted.url}/api/events`);
    try {
      assert.equal((await post(restarted, "s24", { text: THIRD })).status, 202);
      await events.next((message) => message.event === "turn-end");
      const before = await snapshot(restarted, "s24");
      assert.deepEqual(
        before.items.filter((item) => item.role === "user").map((item) => [item.text, item.unanswered === true, typeof item.id]),
        [
          [FIRST, true, "string"],
          [SECOND, true, "string"],
          [THIRD, false, "string"],
        ],
        "each message without an answer is marked, with the id its Retry names — not only those after the last one answered",
      );
      const first = before.items[0]?.id;

      // `/retry 3`: there are two; it names each, and how.
      assert.equal((await post(restarted, "s24", { text: "/retry 3" })).status, 202);
      const listed = await events.next((message) => message.event === "command-result");
      assert.equal((JSON.parse(listed.data) as { text: string }).text, `Nothing to retry as /retry 3: 2 messages of this conversation got no answer — /retry sends “${SECOND}”; /retry 2 sends “${FIRST}”.`);

      // The page's Retry beside the first.
      assert.equal((await post(restarted, "s24", { text: "", retry: true, retryOf: first })).status, 202);
      const start = JSON.parse((await events.next((message) => message.event === "turn-start")).data) as { text: string; retryOf?: string; again?: boolean; message?: string };
      assert.deepEqual([start.text, start.retryOf, start.again], [FIRST, first, true], "told as a resend shown again, of that message");
      await events.next((message) => message.event === "turn-end");
      assert.deepEqual(
        model.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text),
        [THIRD, `echo: ${THIRD}`, FIRST],
        "the model is sent the history without the turns that got no answer, then the message sent again",
      );
      const resend = sessionLines(state, "s24").findLast((line) => line.type === "user");
      assert.deepEqual([resend?.id, resend?.text, resend?.retryOf], [start.message, FIRST, first], "saved as a resend of it");

      const read = await snapshot(restarted, "s24");
      assert.deepEqual(
        read.items.map((item) => [item.role, item.text.replace(/^(no answer: hearth stopped (while|before)).*?( — .*)?$/, "$1…$3"), item.unanswered === true, item.sentAgain === true]),
        [
          ["user", FIRST, false, false],
          ["notice", "no answer: hearth stopped while… — sent again below", false, false],
          ["user", SECOND, true, false],
          ["notice", "no answer: hearth stopped before… — Retry sends it", false, false],
          ["user", THIRD, false, false],
          ["assistant", `echo: ${THIRD}`, false, false],
          ["user", FIRST, false, true],
          ["assistant", `echo: ${FIRST}`, false, false],
        ],
      );

      // `hearth sessions show` reads it the same way.
      const shown = await runCli(["sessions", "show", "s24"], { env: { HEARTH_STATE_DIR: state } });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`## You · [^\\n]* \\(sent again\\)\\n\\n${FIRST}\\n\\n## local/m · [^\\n]*\\n\\necho: ${FIRST}\\n`));
      assert.match(shown.stdout, /_No answer: hearth stopped while answering this message \(the gateway was killed or crashed\): the words shown as the answer streamed were not kept — sent again below_/);
      assert.doesNotMatch(shown.stdout, /Retry sends it again/, "the try sent again no longer offers a Retry");

      // `/retry` typed: the latest message without an answer — the second — shown again too.
      assert.equal((await post(restarted, "s24", { text: "/retry" })).status, 202);
      const typed = JSON.parse((await events.next((message) => message.event === "turn-start")).data) as { text: string; again?: boolean };
      assert.deepEqual([typed.text, typed.again], [SECOND, true]);
      await events.next((message) => message.event === "turn-end");
      assert.deepEqual(model.seen.at(-1)?.filter((turn) => turn.role !== "system").map((turn) => turn.text), [THIRD, `echo: ${THIRD}`, FIRST, `echo: ${FIRST}`, SECOND]);
      assert.equal((await post(restarted, "s24", { text: "/retry" })).status, 202);
      const none = await events.next((message) => message.event === "command-result");
      assert.equal((JSON.parse(none.data) as { text: string }).text, "Nothing to retry: every message of this conversation got its answer (or there is none).");
    } finally {
      events.close();
    }
    restarted.child.kill("SIGTERM");
    await restarted.exited;
  });
});

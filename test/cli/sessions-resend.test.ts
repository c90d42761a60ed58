// An SDK's own resends of a request after its timeout (x-stainless-retry-count) are the same message
// again: `sessions show` and `export` print it once, as the web chat's transcript shows it and
// docs/openai-api.md says; the session file keeps each try (retryOf). Three tries as the `openai` SDK
// sends them (x-stainless-retry-count 0, 1, 2), each cut off by its client while the model is silent,
// through the real gateway, then the real `bin/hearth`.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiSetup, type ApiSetup } from "../channels/openai-setup.js";
import { runCli } from "../helpers/run-cli.js";

describe("a message an SDK sent three times", () => {
  let api: ApiSetup;
  before(async () => {
    api = await apiSetup();
    // Every call hangs: each try is cut off by its client, as an SDK's timeout does.
    let called: () => void = () => undefined;
    api.local.setHandler((request) => {
      if (request.method !== "POST") return { kind: "json", status: 404, body: { error: "no such endpoint" } };
      called();
      return { kind: "hang-before-headers" };
    });
    for (const count of [0, 1, 2]) {
      const reached = new Promise<void>((resolve) => (called = resolve));
      const ended = new Promise<void>((resolve) => {
        const stop = api.gateway.port.subscribe((event) => {
          if (event.type !== "turn-end" || event.session !== "resent") return;
          stop();
          resolve();
        });
      });
      const timeout = new AbortController();
      // What the SDK sends on its tries (its retry count, 0 the first), one after the other.
      const request = fetch(`${api.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hearth-session": "resent", "x-stainless-retry-count": String(count) },
        body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "retry me please" }] }),
        signal: timeout.signal,
      }).catch((error: unknown) => error);
      await reached;
      timeout.abort();
      assert.ok((await request) instanceof Error, "cut off");
      await ended;
    }
  });
  after(async () => api.close());

  test("the file keeps each try, linked by retryOf", async () => {
    const users = (await api.gateway.store.read("resent")).entries.filter((entry) => entry.type === "user");
    assert.equal(users.length, 3, "three tries");
    assert.deepEqual(users.slice(1).map((entry) => entry.retryOf), users.slice(0, 2).map((entry) => entry.id));
  });

  test("sessions show and export print the message once, each further try as sent again", async () => {
    for (const command of [["sessions", "show", "resent"], ["sessions", "export", "resent"]]) {
      const shown = await runCli(command, { env: { HEARTH_STATE_DIR: api.gateway.stateDir } });
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.stdout.split("retry me please").length - 1, 1, `${command.join(" ")}:\n${shown.stdout}`);
      assert.equal(shown.stdout.split("_Sent again · ").length - 1, 2, `${command.join(" ")}:\n${shown.stdout}`);
    }
  });

  test("sessions list counts the message once: one turn, as show prints it", async () => {
    const listed = await runCli(["sessions", "list", "--json"], { env: { HEARTH_STATE_DIR: api.gateway.stateDir } });
    assert.equal(listed.code, 0, listed.stderr);
    const sessions = (JSON.parse(listed.stdout) as { sessions: { key: string; turns: number }[] }).sessions;
    assert.equal(sessions.find((session) => session.key === "resent")?.turns, 1, listed.stdout);
    const table = await runCli(["sessions", "list"], { env: { HEARTH_STATE_DIR: api.gateway.stateDir } });
    assert.match(table.stdout, /^resent\s+\S+ \S+\s+1\s+/m, table.stdout);
  });
});

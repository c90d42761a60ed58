// `sessions show` and `export` print an answer with the notes the live turn showed beside it, as the web
// chat shows them after a reload (docs/openai-api.md: a cut-off answer is kept "marked cut off with why
// (the web chat and `sessions show` show it so)"): a stream its server broke off, an answer stopped at the
// reply limit, a fallback that answered. Turns run through the real gateway parts over a fake model
// server; the transcript is printed by the real `bin/hearth`. A session file written before notes were
// kept is marked from its stop reason.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { JsonlSessionStore } from "../../src/sessions/jsonl-session-store.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { emptyUsage } from "../../src/ai/usage.js";
import { apiSetup, type ApiSetup } from "../channels/openai-setup.js";
import { contentPieces, frames } from "../helpers/chat-completions-replies.js";
import { runCli, tempDir } from "../helpers/run-cli.js";
import { scriptedModel } from "../helpers/scripted-model.js";

async function agentTurn(api: ApiSetup, session: string, body: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${api.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hearth-session": session },
    body: JSON.stringify({ model: "hearth", messages: [{ role: "user", content: "tell me a story" }], ...body }),
  });
  const text = await response.text();
  if (response.status !== 200 && !body.stream) throw new Error(`${response.status}: ${text}`);
  return response.status;
}

async function shown(stateDir: string, session: string): Promise<string[]> {
  const outputs: string[] = [];
  for (const command of [["sessions", "show", session], ["sessions", "export", session]]) {
    const result = await runCli(command, { env: { HEARTH_STATE_DIR: stateDir } });
    assert.equal(result.code, 0, result.stderr);
    outputs.push(result.stdout);
  }
  return outputs;
}

describe("sessions show and export: what became of an answer", () => {
  // Each turn on a gateway of its own: a model's failure in one (its cooldown) is not the next one's.
  let api: ApiSetup;
  beforeEach(async () => {
    api = await apiSetup();
  });
  afterEach(async () => api.close());

  test("an answer stopped at the reply limit the request set: the limit named", async () => {
    api.local.setHandler(() => frames({ text: "a long answer that stops", finishReason: "length", usage: { input: 20, output: 5 } }));
    assert.equal(await agentTurn(api, "length", { max_tokens: 5 }), 200);
    for (const output of await shown(api.gateway.stateDir, "length")) {
      assert.match(output, /a long answer that stops\n\n_the answer was cut off at the reply limit this request set \(max_tokens 5\)[^\n]*_\n/, output);
    }
  });

  test("a fallback that answered: which model, and what became of the first", async () => {
    api.local.setHandler(() => ({ kind: "json", status: 500, body: { error: { message: "model crashed" } } }));
    api.backup.setHandler(scriptedModel("openai-responses", () => ({ text: "the backup answers" })));
    assert.equal(await agentTurn(api, "fallback", {}), 200);
    for (const output of await shown(api.gateway.stateDir, "fallback")) {
      assert.match(output, /the backup answers\n\n(_[^\n]*_\n)*_answered by backup\/m2 — local\/m1 [^\n]+_\n/, output);
    }
  });
  test("a stream its server broke off: the words shown, then the cut-off and why", async () => {
    api.local.setHandler(() => contentPieces(["word0 word1 ", "word2 word3"], "reset"));
    assert.equal(await agentTurn(api, "cut", { stream: true }), 200);
    for (const output of await shown(api.gateway.stateDir, "cut")) {
      assert.match(output, /word0 word1 word2 word3\n\n(_[^\n]*_\n)*_the answer was cut off: [^\n]+_\n/, output);
    }
  });

});

test("a session file written before notes were kept: an answer that stopped early is marked from its stop reason", async () => {
  const temp = tempDir();
  try {
    const store = new JsonlSessionStore(temp.dir);
    const at = "2026-12-04T16:37:41.000Z";
    const answer = (id: string, text: string, stopReason: "error" | "length" | "stop"): SessionEntry => ({
      type: "assistant", id, at, attempts: [{ model: "local/slow", outcome: "ok", ms: 5 }],
      message: { role: "assistant", content: [{ type: "text", text }], model: "local/slow" as never, api: "openai-completions", stopReason, usage: { ...emptyUsage(), output: 12 }, cost: 0 },
    });
    await store.append("old", [
      { type: "session", version: 1, at, agent: "main" },
      { type: "user", id: "u1", at, text: "first" },
      answer("a1", "broken words", "error"),
      { type: "user", id: "u2", at, text: "second" },
      answer("a2", "long words", "length"),
      { type: "user", id: "u3", at, text: "third" },
      answer("a3", "whole words", "stop"),
    ], { sync: true });
    for (const output of await shown(temp.dir, "old")) {
      assert.match(output, /broken words\n\n_the answer was cut off: its model stopped with an error partway_\n/, output);
      assert.match(output, /long words\n\n_the answer was cut off at the reply limit \(after 12 tokens\)[^\n]*_\n/, output);
      assert.match(output, /whole words\n\n?$/, output);
    }
  } finally {
    temp.cleanup();
  }
});


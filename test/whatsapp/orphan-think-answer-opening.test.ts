// Trial t21 #1: a model not configured or known to reason (its id names no reasoning family) that writes
// MiniMax's shape — reasoning, then an orphan `</think>`, its opening tag in the prompt — with the answer
// right after the tag. When the answer opened with a straight quote (a story's first line of speech) or
// Markdown emphasis, the tag was read as one *mentioned* in prose, and the reasoning went to WhatsApp as the
// answer. Through a real model server on 127.0.0.1, the gateway runtime and the WhatsApp channel.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { startFakeServer } from "../fakes/fake-server.js";
import { completionsStream } from "../fakes/openai-completions-stream.js";
import { tempDir } from "../helpers/run-cli.js";
import { whatsAppDriver } from "../channels/contract/whatsapp-driver.js";

const temp = tempDir();
after(() => temp.cleanup());

const REASONING = "PONDERING the user's asking for a story. I'll write one.";
/** Answers that open right after the tag with a mark that also closes a mention: a quote, emphasis, a backtick. */
const ANSWERS = ['"Hello!" said the little fox.', "**Answer:** seven.", "_Quietly_, the fox sat down.", "'Hm,' said the owl.", "`ls` lists the files."];

test("an orphan </think> right before an answer that opens with a quote or emphasis: no reasoning on WhatsApp, every word of the answer there", async () => {
  let next = 0;
  const server = await startFakeServer((request) => {
    if (request.method === "GET" && request.path === "/v1/models") return { kind: "json", body: { object: "list", data: [{ id: "storyteller", object: "model" }] } };
    if (request.method !== "POST" || request.path !== "/v1/chat/completions") return { kind: "json", status: 404, body: { error: "Unexpected endpoint or method." } };
    const answer = ANSWERS[next++ % ANSWERS.length] ?? "";
    return { kind: "sse", frames: completionsStream({ text: `${REASONING}</think>${answer}`, usage: { input: 100, output: 20 }, chunkSize: 5 }) };
  });
  const driver = whatsAppDriver();
  const stateDir = join(temp.dir, "state");
  mkdirSync(stateDir, { recursive: true });
  try {
    const config = {
      agents: { defaults: { model: { primary: "home/storyteller" } } },
      models: { mode: "replace", providers: { home: { baseUrl: server.baseUrl, api: "openai-completions", models: [{ id: "storyteller", contextWindow: 32768, maxTokens: 1024 }] } } },
    };
    await driver.start({ config, stateDir });
    for (const answer of ANSWERS) {
      const shown = await driver.send("a", "tell me a story");
      for (const line of shown.everything) assert.ok(!line.includes("PONDERING"), `reasoning reached WhatsApp: ${line}`);
      assert.equal(shown.text, answer.replace(/^\*\*(.+?)\*\*/, "*$1*"), "the answer, every word, in WhatsApp's formatting");
    }
  } finally {
    await driver.stop();
    await server.close();
  }
});

// Trial t21 #7: a long fallback notice over textChunkLimit went to WhatsApp in two messages, the first
// opening its italics and the second closing them (each read with stray underscores), and the phone got the
// terminal's whole explanation (~450 characters of token counts). Through the channel on the Baileys stand-in:
// every message it sends stands on its own — no mark of _italic_, *bold*, ~strike~ or code opened in one
// message and closed in another, a cut at a sentence's end or between words, no word lost — and a window
// too small is said on the phone without its numbers (the real gateway, two model servers on 127.0.0.1).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { tempDir } from "../helpers/run-cli.js";
import { whatsAppDriver } from "../channels/contract/whatsapp-driver.js";
import { startModelServer } from "../channels/contract/model-servers.js";
import { aliceChat, ALICE, startChannel } from "./harness.js";
import { ScriptGateway } from "./script-gateway.js";

const temp = tempDir();
after(() => temp.cleanup());

const LIMIT = 200;

/** The marks of a message that no other closes: for each mark, its count outside code is even, and each code fence is closed. */
function unbalanced(message: string): string[] {
  const fences = message.split("```").length - 1;
  const outside = message.split("```").filter((_, index) => index % 2 === 0).join(" ").replace(/`[^`\n]+`/g, " ");
  // A mark between two letters or digits (snake_case) is no formatting.
  const marks = (mark: string): number => [...outside.matchAll(new RegExp(`\\${mark}`, "g"))].filter((match) => !(/[\p{L}\p{N}]/u.test(outside[match.index - 1] ?? "") && /[\p{L}\p{N}]/u.test(outside[match.index + 1] ?? ""))).length;
  return [...(fences % 2 === 1 ? ["```"] : []), ...["_", "*", "~"].filter((mark) => marks(mark) % 2 === 1)];
}

/** The words of messages, marks and code fences left out: what a reader reads. */
const words = (text: string): string[] => text.replace(/```|[_*~`]/g, " ").split(/\s+/).filter((word) => word !== "");

test("a notice, notes and an answer longer than textChunkLimit: each message within it, its marks whole, cut between words, nothing lost", async () => {
  const notice = `answered by Opus — Local (local server) context too small: ${"the server runs it with 1,024 tokens, and this turn alone takes about 5,210 tokens; ".repeat(3)}not sent to it`;
  const note = `the conversation (9,120 tokens) is longer than the 4,000 tokens the prompt may use in Local's window and no summary could be written: ${"its oldest turns are left out of what is sent, ".repeat(4)}(the transcript keeps them)`;
  const answer = [
    `Here is the plan. **${"Bring the tent, the stove and the warm sleeping bags, ".repeat(4)}and the map.** Then *we walk* ${"on and on ".repeat(12)}home.`,
    `~~${"this part is struck out on purpose because it changed ".repeat(4).trim()}~~ and \`${"npm run build -- --watch ".repeat(3)}\` runs.`,
    `\`\`\`\n${Array.from({ length: 12 }, (_, index) => `line ${index} of the code with some_name = ${index}`).join("\n")}\n\`\`\``,
  ].join("\n\n");
  const events: AgentEvent[] = [{ type: "notice", text: note }];
  const gateway = new ScriptGateway(() => ({ ok: answer, notice, events }));
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "marks", section: { fallbackNotice: true, textChunkLimit: LIMIT } });
  whatsapp.deliver(whatsapp.text(ALICE, "plan the trip"));
  await channel.idle();
  channel.stop();
  const sent = whatsapp.to(aliceChat);
  assert.ok(sent.length >= 6, `split into several messages: ${sent.length}`);
  for (const message of sent) {
    assert.ok(message.length <= LIMIT, `within the limit (${message.length}): ${message}`);
    assert.deepEqual(unbalanced(message), [], `every mark it opens it closes: ${JSON.stringify(message)}`);
    assert.doesNotMatch(message, /^\s|\s$/, "no message begins or ends with a space");
  }
  assert.deepEqual(words(sent.join("\n\n")), words(`_${notice}_\n\n${answer}\n\n_${note}_`), "every word, in order, none cut");
  assert.ok(sent.some((message) => /plan\. \*Bring[^*]*,\*$/.test(message)) && sent.some((message) => /^\*the stove[^*]*map\.\*/.test(message)), `the bold span cut and opened again: ${JSON.stringify(sent)}`);
  // The notice and the note are read italic in each of their messages: every message holding their words is wrapped whole.
  for (const message of sent.filter((part) => part.includes("1,024 tokens") || part.includes("oldest turns"))) {
    const paragraph = message.split("\n\n").find((part) => part.includes("1,024 tokens") || part.includes("oldest turns")) ?? "";
    assert.match(paragraph, /^_[^_\s][\s\S]*[^_\s]_$/, `italic whole: ${paragraph}`);
  }
  // Its first part ends where a sentence or a word does, never inside one.
  const cutNotice = sent.find((message) => message.startsWith("_answered by"));
  assert.match(cutNotice ?? "", /(?:tokens;|[a-z,])_$/, `cut between words: ${cutNotice}`);
});

test("a cut falls at a sentence's end where one is in reach, not at the last space", async () => {
  const sentence = "The fox ran over the hill and far away into the woods.";
  const long = `_${Array.from({ length: 5 }, () => sentence).join(" ")}_`;
  const gateway = new ScriptGateway(() => ({ ok: long }));
  const { channel, whatsapp } = await startChannel({ gateway, dir: temp.dir, name: "sentences", section: { textChunkLimit: LIMIT } });
  whatsapp.deliver(whatsapp.text(ALICE, "a story"));
  await channel.idle();
  channel.stop();
  const sent = whatsapp.to(aliceChat);
  assert.equal(sent.length, 2, JSON.stringify(sent));
  for (const message of sent) assert.match(message, /^_The fox[\s\S]*woods\._$/, `whole sentences, italic whole: ${message}`);
});

test("a window too small is said on the phone as what happened, without the terminal's numbers; the answer keeps every word", async () => {
  const story = `Once upon a time ${"a fox walked through the snowy woods and ".repeat(8)}found its way home.`;
  const local = await startModelServer({ answer: () => "from the local model" });
  const spare = await startModelServer({ answer: () => story });
  const driver = whatsAppDriver();
  const stateDir = join(temp.dir, "window-state");
  mkdirSync(stateDir, { recursive: true });
  try {
    const config = {
      agents: { defaults: { model: { primary: "home/m", fallbacks: ["spare/m"] }, fallbackNotice: true } },
      models: {
        mode: "replace",
        providers: {
          home: { baseUrl: local.server.baseUrl, api: "openai-completions", models: [{ id: "m", contextWindow: 1024, maxTokens: 256 }] },
          spare: { baseUrl: spare.server.baseUrl, api: "openai-completions", models: [{ id: "m", contextWindow: 131072, maxTokens: 1024 }] },
        },
      },
      channels: { whatsapp: { fallbackNotice: true, textChunkLimit: LIMIT } },
    };
    await driver.start({ config, stateDir });
    const shown = await driver.send("a", `please read this: ${"lorem ipsum dolor sit amet ".repeat(600)}`);
    assert.equal(local.calls().length, 0, "the local model was not sent it");
    const first = shown.everything[0] ?? "";
    assert.match(first, /^_answered by spare\/m — home\/m \(local server\) context too small_\n\n/, `the phone's notice: ${first}`);
    assert.doesNotMatch(shown.everything.join("\n"), /tokens/, "no token counts on the phone");
    assert.ok(shown.everything.every((message) => message.length <= LIMIT));
    assert.deepEqual(words(shown.everything.join("\n\n")).slice(-words(story).length), words(story), "the answer, every word");
    const transcript = await driver.transcript("a");
    assert.ok(
      transcript.some((item) => item.role === "assistant" && item.notes?.some((note) => /context too small: .*1,024 tokens/.test(note.text))),
      "the transcript keeps the numbers",
    );
  } finally {
    await driver.stop();
    await local.server.close();
    await spare.server.close();
  }
});

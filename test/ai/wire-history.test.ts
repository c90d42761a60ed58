// A conversation's history is serialised once and kept; every body from it is, byte for byte, the JSON of the messages it holds now.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AssistantMessage, Message } from "../../src/ai/types.js";
import { WireHistory } from "../../src/ai/wire-history.js";
import { jsonWithParts, PARTS } from "../../src/ai/wire-parts.js";

const reply = (text: string): AssistantMessage => ({
  role: "assistant",
  content: [{ type: "text", text }],
  api: "openai-completions",
  model: "local/m",
  usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false },
  stopReason: "stop",
  cost: 0,
});

/** A session as an agent holds it: its replies are kept objects; each view makes its user messages anew. */
function session(turns: number, words = (turn: number) => `question ${turn}: ${"é".repeat(turn % 3)} ${"x".repeat(200)}`): { replies: AssistantMessage[]; view: (upTo?: number) => Message[] } {
  const replies = Array.from({ length: turns }, (_, turn) => reply(`answer ${turn} ${"y".repeat(300)}`));
  const view = (upTo = turns): Message[] => replies.slice(0, upTo).flatMap((answer, turn): Message[] => [{ role: "user", content: words(turn) }, answer]);
  return { replies, view };
}

/** Counts the messages serialised. */
function counting(): { build: (message: Message) => unknown[]; built: () => number } {
  let built = 0;
  return {
    build: (message) => {
      built++;
      return [message];
    },
    built: () => built,
  };
}

const body = (history: WireHistory, key: object | undefined, messages: readonly Message[], build: (message: Message) => unknown[], variant = ""): string =>
  jsonWithParts({ model: "m", messages: PARTS, stream: true }, "messages", history.parts(key, variant, messages, build)).chunks.join("");
const expected = (messages: readonly Message[]): string => JSON.stringify({ model: "m", messages, stream: true });

test("a growing conversation's bodies are the JSON of its messages, each message serialised once though its user messages are new objects each turn", () => {
  const history = new WireHistory();
  const key = {};
  const { build, built } = counting();
  const { view } = session(300);
  for (let turn = 1; turn <= 300; turn++) {
    const messages = view(turn);
    const written = jsonWithParts({ model: "m", messages: PARTS, stream: true }, "messages", history.parts(key, "", messages, build));
    assert.equal(written.chunks.join(""), expected(messages), `turn ${turn}`);
    assert.equal(written.bytes, Buffer.byteLength(expected(messages)), `turn ${turn}`);
  }
  assert.equal(built(), 600);
  const parts = history.parts(key, "", view(300), build).length;
  assert.ok(parts <= 600 / 8 + 8, `${parts} parts for 600 messages: kept in runs, not a part per message`);
});

test("a history changed after it was kept (compacted, a turn left out, an earlier message edited) gives the JSON of what it holds now, serialising again only from the run that changed", () => {
  const history = new WireHistory();
  const key = {};
  const { build, built } = counting();
  const { view, replies } = session(200);
  body(history, key, view(), build);
  assert.equal(built(), 400);

  // A turn left out near the end (it failed): what comes after it is serialised again, not the whole history.
  const withoutOne = [...view().slice(0, 380), ...view().slice(382)];
  assert.equal(body(history, key, withoutOne, build), expected(withoutOne));
  assert.ok(built() - 400 < 30, `${built() - 400} serialised again`);

  // Compacted: a summary opens the history, the oldest turns are gone.
  const compacted: Message[] = [{ role: "user", content: "[Summary] earlier turns" }, ...view().slice(101)];
  assert.equal(body(history, key, compacted, build), expected(compacted));
  assert.equal(body(history, key, compacted.map((message) => (message.role === "user" ? { ...message } : message)), build), expected(compacted));

  // An earlier message edited in place of its object (another copy with other words).
  const edited = [...compacted];
  edited[10] = { ...replies[60], content: [{ type: "text", text: "changed" }] } as AssistantMessage;
  assert.equal(body(history, key, edited, build), expected(edited));

  // Shorter than what is kept, then growing again.
  assert.equal(body(history, key, view(5), build), expected(view(5)));
  assert.equal(body(history, key, view(), build), expected(view()));
});

test("the same message as another object (the store's copy of what a turn sent) is not serialised again; a copy with other content is", () => {
  const history = new WireHistory();
  const key = {};
  const { build, built } = counting();
  const { view } = session(3);
  body(history, key, view(), build);
  const copies = view().map((message) => JSON.parse(JSON.stringify(message)) as Message);
  assert.equal(body(history, key, copies, build), expected(copies));
  assert.equal(built(), 6);
  const redacted = copies.map((message, index) => (index === 3 && message.role === "assistant" ? { ...message, content: [{ type: "text" as const, text: "[redacted]" }] } : message));
  assert.equal(body(history, key, redacted, build), expected(redacted));
  assert.equal(built(), 9);
  // Keys in another order are written in another order: not the same JSON.
  const reordered = redacted.map((message, index) => (index === 5 && message.role === "assistant" ? (Object.fromEntries(Object.entries(message).reverse()) as Message) : message));
  assert.equal(body(history, key, reordered, build), expected(reordered));
  assert.equal(built(), 10);
});

test("each conversation and variant keeps its own history; without a key every request serialises every message", () => {
  const history = new WireHistory();
  const { build, built } = counting();
  const one = session(4, (turn) => `one ${turn}`);
  const two = session(4, (turn) => `two ${turn}`);
  const [first, second] = [{}, {}];
  assert.equal(body(history, first, one.view(), build), expected(one.view()));
  assert.equal(body(history, second, two.view(), build), expected(two.view()));
  assert.equal(body(history, first, one.view(), build), expected(one.view()));
  assert.equal(built(), 16);
  const stringsOnly = (message: Message): unknown[] => [{ role: message.role, variant: "strings" }];
  assert.equal(body(history, first, one.view(), stringsOnly, "strings"), expected(one.view().map((message) => ({ role: message.role, variant: "strings" }) as unknown as Message)));
  body(history, undefined, one.view(), build);
  body(history, undefined, one.view(), build);
  assert.equal(built(), 32);
});

test("a history let go of (forget: the gateway gone quiet) is serialised anew on the next request, byte for byte, then kept again; edits after it too", () => {
  const history = new WireHistory();
  const key = {};
  const { build, built } = counting();
  const { view, replies } = session(120);
  const before = body(history, key, view(), build);
  assert.equal(built(), 240);
  history.forget();
  assert.equal(body(history, key, view(), build), before, "the same bytes as before the drop");
  assert.equal(built(), 480, "every message serialised again, once");
  assert.equal(body(history, key, view(), build), before);
  assert.equal(built(), 480, "kept again after the rebuild");

  // The history changes while nothing is kept: compacted, then an earlier message edited.
  history.forget();
  const compacted: Message[] = [{ role: "user", content: "[Summary] earlier turns" }, ...view().slice(81)];
  assert.equal(body(history, key, compacted, build), expected(compacted));
  history.forget();
  const edited = [...compacted];
  edited[4] = { ...replies[42], content: [{ type: "text", text: "changed after the drop" }] } as AssistantMessage;
  assert.equal(body(history, key, edited, build), expected(edited));
  const grown: Message[] = [...edited, { role: "user", content: "and then?" }];
  const counted = built();
  assert.equal(body(history, key, grown, build), expected(grown));
  assert.equal(built() - counted, 1, "kept again: only the new message serialised");
});

// The view a turn sends, built from the session's index (folded as entries are appended) and from the
// turn of the first entry sent on, is the view of the whole file built from scratch, byte for byte —
// over random sessions of compactions, trims, resets, retries, regenerates, failed and cut turns — and
// it reads no entry before that turn.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelRef } from "../../src/ai/model-spec.js";
import type { Message, ToolResultMessage, UserMessage } from "../../src/ai/types.js";
import { conversationView, NO_RESULT, sessionSettings, STOPPED_NOTE, SUMMARY_HEADING, summaryPrefix, latestTurnMarks, turnMarks, type ConversationView } from "../../src/agent/build-context.js";
import { EntryIndex, EntryIndexes } from "../../src/agent/conversation-index.js";
import { stableUntrusted } from "../../src/agent/untrusted.js";
import type { SessionEntry } from "../../src/sessions/entries.js";

const at = "2026-01-01T00:00:00.000Z";
const usage = { input: 10, output: 5, cacheRead: 0, cacheWrite: 0, reasoning: 0, estimated: false };

// ---- The view as it was built before the index: every entry of the file, every turn. ----

function referenceSettings(entries: readonly SessionEntry[]): { start: number; model: ModelRef | undefined; reasoning: boolean } {
  let start = 0;
  let model: ModelRef | undefined;
  let reasoning = false;
  entries.forEach((entry, index) => {
    if (entry.type === "reset") start = index + 1;
    if (entry.type === "model-change") model = entry.model ?? undefined;
    if (entry.type === "settings") reasoning = entry.reasoning;
  });
  return { start, model, reasoning };
}

function referenceView(entries: readonly SessionEntry[], pending: string | undefined): ConversationView {
  const { start, model, reasoning } = referenceSettings(entries);
  const current = entries.slice(start);
  let summary: string | undefined;
  let firstKept = 0;
  let foldedAt = -1;
  for (let index = 0; index < current.length; index++) {
    const entry = current[index] as SessionEntry;
    if (entry.type !== "compaction" && entry.type !== "trim") continue;
    if (entry.type === "compaction") summary = entry.summary;
    const kept = current.findIndex((candidate) => "id" in candidate && candidate.id === entry.firstKeptId);
    firstKept = Math.max(firstKept, kept >= 0 ? kept : index + 1);
    foldedAt = index;
  }
  const { unanswered, replaced } = turnMarks(current, pending);
  const messages: Message[] = [];
  const ids: (string | undefined)[] = [];
  const block = (text: string): string => stableUntrusted(text, "summary of the earlier conversation");
  if (summary !== undefined) {
    messages.push({ role: "user", content: `${SUMMARY_HEADING}\n${block(summary)}` });
    ids.push(undefined);
  }
  const pendingCalls = new Map<string, string>();
  const closePending = (): void => {
    for (const [id, name] of pendingCalls) {
      messages.push({ role: "tool-result", toolCallId: id, toolName: name, content: NO_RESULT, isError: true } satisfies ToolResultMessage);
      ids.push(undefined);
    }
    pendingCalls.clear();
  };
  const userMessage = (entry: Extract<SessionEntry, { type: "user" }>, prefix: string): UserMessage => {
    const words = entry.quoted ? `${entry.text}\n\n${entry.quoted}` : entry.text;
    return { role: "user", content: prefix === "" ? words : `${prefix}${words}` };
  };
  let measuredFrom: number | undefined;
  let skipping = false;
  let stoppedBefore = false;
  for (let index = 0; index < current.length; index++) {
    const entry = current[index] as SessionEntry;
    if (index > foldedAt && measuredFrom === undefined) measuredFrom = messages.length;
    if (entry.type === "user") skipping = unanswered.has(entry.id) || replaced.has(entry.id);
    if (index < firstKept || skipping) continue;
    if (entry.type === "user") {
      closePending();
      const stopped = stoppedBefore ? STOPPED_NOTE : "";
      stoppedBefore = false;
      if (summary !== undefined && messages.length === 1 && ids[0] === undefined) {
        messages[0] = userMessage(entry, summaryPrefix(summary) + stopped);
        ids[0] = entry.id;
      } else {
        messages.push(userMessage(entry, stopped));
        ids.push(entry.id);
      }
    } else if (entry.type === "assistant") {
      closePending();
      if (entry.message.stopReason === "aborted") stoppedBefore = true;
      if (entry.message.content.length === 0 && (entry.message.stopReason === "aborted" || entry.message.stopReason === "error")) continue;
      messages.push(entry.message);
      ids.push(entry.id);
      for (const part of entry.message.content) if (part.type === "tool-call") pendingCalls.set(part.id, part.name);
    } else if (entry.type === "tool-result") {
      if (!pendingCalls.has(entry.message.toolCallId)) continue;
      pendingCalls.delete(entry.message.toolCallId);
      messages.push(entry.message);
      ids.push(entry.id);
    }
  }
  closePending();
  return { messages, ids, summary, model, reasoning, measuredFrom: measuredFrom ?? messages.length };
}

// ---- Random sessions. ----

/** A small deterministic generator (mulberry32): a failing seed is run again as it was. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function assistant(id: string, words: string, how: { stop?: "stop" | "length" | "error" | "aborted" | "tool-use"; calls?: string[]; empty?: boolean } = {}): SessionEntry {
  const calls = how.calls ?? [];
  const content = how.empty ? [] : [{ type: "text" as const, text: words }, ...calls.map((call) => ({ type: "tool-call" as const, id: call, name: "time", arguments: {}, rawArguments: "{}" }))];
  return { type: "assistant", id, at, attempts: [], message: { role: "assistant", model: "l/m", api: "openai-completions", stopReason: how.stop ?? (calls.length ? "tool-use" : "stop"), usage, cost: 0, content } };
}

/** A session of `turns` random happenings: answered, tool, failed, cut, cut-off and stopped turns, Retries and regenerates, compactions and trims (keeping from an entry met, a later one, or none), resets, model and reasoning settings, an id said twice. */
function randomSession(seed: number, turns: number): SessionEntry[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const entries: SessionEntry[] = [{ type: "session", version: 1, at, agent: "main" }];
  let counter = 0;
  const id = (): string => (next() < 0.01 && entries.length > 2 ? pick(entries.flatMap((entry) => ("id" in entry ? [entry.id] : []))) : `e${++counter}`);
  const users = (): string[] => entries.flatMap((entry) => (entry.type === "user" ? [entry.id] : []));
  /** Ids a fold keeps from before they are met. */
  const later: string[] = [];
  const userEntry = (retryOf?: string): SessionEntry => ({ type: "user", id: later.length > 0 && next() < 0.3 ? (later.shift() as string) : id(), at, text: `message ${counter}`, ...(retryOf === undefined ? {} : { retryOf }) });
  for (let turn = 0; turn < turns; turn++) {
    const roll = next();
    const earlier = users();
    const retryOf = earlier.length > 0 && next() < 0.15 ? pick(earlier) : undefined;
    if (roll < 0.35) entries.push(userEntry(retryOf), assistant(id(), "an answer"));
    else if (roll < 0.45) {
      const calls = [`c${++counter}`, `c${++counter}`];
      entries.push(userEntry(retryOf), assistant(id(), "looking", { calls }));
      for (const call of calls) if (next() < 0.7) entries.push({ type: "tool-result", id: id(), at, message: { role: "tool-result", toolCallId: call, toolName: "time", content: "noon", isError: false } });
      if (next() < 0.7) entries.push(assistant(id(), "it is noon"));
    } else if (roll < 0.52) entries.push(userEntry(retryOf), { type: "turn-failed", id: id(), at, error: "down", attempts: [], cause: "transient" });
    else if (roll < 0.57) entries.push(userEntry(retryOf));
    else if (roll < 0.65) entries.push(userEntry(retryOf), assistant(id(), "cut", { stop: pick(["length", "error", "aborted"] as const), empty: next() < 0.3 }));
    else if (roll < 0.78) {
      const ids = entries.flatMap((entry) => ("id" in entry ? [entry.id] : []));
      const keep = next() < 0.8 && ids.length > 0 ? pick(ids.slice(-8)) : next() < 0.5 ? `later${++counter}` : "missing";
      if (keep.startsWith("later")) later.push(keep);
      entries.push(next() < 0.6 ? { type: "compaction", id: id(), at, summary: `summary ${counter}`, firstKeptId: keep, tokensBefore: 100, model: "l/m" } : { type: "trim", id: id(), at, firstKeptId: keep, tokensBefore: 100, reason: "no summary" });
    } else if (roll < 0.82) entries.push({ type: "reset", id: id(), at });
    else if (roll < 0.86) entries.push({ type: "model-change", id: id(), at, model: next() < 0.7 ? (pick(["l/a", "l/b"]) as ModelRef) : null });
    else if (roll < 0.9) entries.push({ type: "settings", id: id(), at, reasoning: next() < 0.5 });
    else entries.push(userEntry(retryOf), assistant(id(), "another answer"));
  }
  return entries;
}

const pendings = (entries: readonly SessionEntry[]): (string | undefined)[] => [undefined, entries.findLast((entry) => entry.type === "user")?.id, entries.find((entry) => entry.type === "user")?.id];

test("the view from the session's index (entries noted as they are read, a turn's own copies after them) is the view built from scratch, byte for byte", () => {
  let folded = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const entries = randomSession(seed, 40);
    const indexes = new EntryIndexes();
    const next = random(seed * 7919);
    let noted = 0;
    for (let length = 0; length <= entries.length; length++) {
      // Reads come now and then: the index is extended by what the store returned, not by what a turn added since.
      if (next() < 0.3) {
        noted = length;
        indexes.note(entries.slice(0, length));
      }
      // A turn's array: the read's entries, then its own copies of what it appended since (other objects).
      const array = [...entries.slice(0, noted), ...entries.slice(noted, length).map((entry) => structuredClone(entry))];
      const index = indexes.covering(array);
      if (noted > 0) assert.ok(index, `seed ${seed}, ${length} entries: the index covers the array read with it`);
      for (const pending of pendings(array)) {
        const expected = JSON.stringify(referenceView(array, pending));
        assert.equal(JSON.stringify(conversationView(array, { pending, index })), expected, `seed ${seed}, ${length} entries (${noted} noted), pending ${pending}`);
        assert.equal(JSON.stringify(conversationView(array, { pending })), expected, `seed ${seed}, ${length} entries, from scratch, pending ${pending}`);
      }
      assert.deepEqual(sessionSettings(array, index), referenceSettings(array), `seed ${seed}, ${length} entries: settings`);
      // The marks the index folded, with the array's own entries and the turn under way: those of a pass over the whole conversation.
      for (const pending of index ? pendings(array) : []) {
        const marks = index?.turnMarks(array, pending);
        if (!marks) continue;
        folded++;
        const current = array.slice(referenceSettings(array).start);
        const whole = turnMarks(current, pending);
        const ids = new Set(current.flatMap((entry) => (entry.type === "user" ? [entry.id, ...(entry.retryOf ? [entry.retryOf] : [])] : [])));
        for (const kind of ["unanswered", "cutOff", "replaced"] as const) for (const id of ids) assert.equal(marks[kind].has(id), whole[kind].has(id), `seed ${seed}, ${length} entries, pending ${pending}: ${kind} ${id}`);
      }
      // A fold not saved, after the array: read with the index, never folded into it.
      const fold: SessionEntry = { type: "trim", id: "probe", at, firstKeptId: array.findLast((entry) => entry.type === "user")?.id ?? "none", tokensBefore: 0, reason: "probe" };
      assert.equal(JSON.stringify(conversationView([...array, fold], { index: indexes.covering([...array, fold]) })), JSON.stringify(referenceView([...array, fold], undefined)), `seed ${seed}, ${length} entries and a fold not saved`);
    }
  }
  assert.ok(folded > 5000, `the index's marks were used ${folded} times`);
});

test("a turn's marks read from its message on are those of a pass over the whole conversation (an id said twice read from the start)", () => {
  for (let seed = 1; seed <= 150; seed++) {
    const entries = randomSession(seed, 40);
    const current = entries.slice(referenceSettings(entries).start);
    for (const pending of pendings(current)) {
      const whole = turnMarks(current, pending);
      current.forEach((entry, from) => {
        if (entry.type !== "user") return;
        const later = new Set(current.slice(from).flatMap((other) => (other.type === "user" ? [other.id] : [])));
        const marks = latestTurnMarks(current, { from, start: 0, pending });
        for (const kind of ["unanswered", "cutOff", "replaced"] as const) {
          const expected = [...whole[kind]].filter((turn) => later.has(turn)).sort();
          assert.deepEqual([...marks[kind]].filter((turn) => later.has(turn)).sort(), expected, `seed ${seed}, from ${from}: ${kind}`);
        }
      });
    }
  }
});

test("an index is for the entries it folded: a session read afresh (other objects), an array cut short or of another session is not covered", () => {
  const entries = randomSession(7, 30);
  const indexes = new EntryIndexes();
  indexes.note(entries);
  assert.ok(indexes.covering(entries));
  assert.equal(indexes.covering(entries.map((entry) => structuredClone(entry))), undefined, "read afresh: new objects");
  assert.equal(indexes.covering(entries.slice(0, -1)), undefined, "fewer entries than folded");
  assert.equal(indexes.covering(entries.slice(1)), undefined, "another array");
  const index = new EntryIndex();
  index.extend(entries.slice(0, 10));
  assert.throws(() => index.extend(entries.map((entry) => structuredClone(entry))), /not those folded/);
});

/** The entries read through it, counted (each element got by its position). */
function counted(entries: SessionEntry[]): { entries: SessionEntry[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(entries, {
    get(target, property, receiver) {
      if (typeof property === "string" && /^\d+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  return { entries: proxy, reads: () => reads };
}

test("a long session's view reads the entries from its last compaction's kept turns on, not the whole file", () => {
  const entries: SessionEntry[] = [{ type: "session", version: 1, at, agent: "main" }, { type: "settings", id: "s", at, reasoning: true }];
  for (let turn = 0; turn < 3000; turn++) {
    entries.push({ type: "user", id: `u${turn}`, at, text: `message ${turn}` }, assistant(`a${turn}`, `answer ${turn}`));
    if (turn % 500 === 499) entries.push({ type: "compaction", id: `c${turn}`, at, summary: `up to ${turn}`, firstKeptId: `u${turn - 1}`, tokensBefore: 100, model: "l/m" });
  }
  entries.push({ type: "user", id: "now", at, text: "the turn under way" });
  const indexes = new EntryIndexes();
  indexes.note(entries.slice(0, -1));
  const { entries: watched, reads } = counted(entries);
  const view = conversationView(watched, { pending: "now", index: indexes.covering(watched) });
  assert.equal(JSON.stringify(view), JSON.stringify(referenceView(entries, "now")));
  assert.deepEqual(view.ids, ["u2998", "a2998", "u2999", "a2999", "now"]);
  // The kept turns, the compaction and the turn under way (6 entries), read for the marks, for the view and to see that no id there came before; the index's ends and what follows them.
  assert.ok(reads() <= 40, `the view read ${reads()} entries of ${entries.length}`);
  const before = reads();
  assert.deepEqual(sessionSettings(watched, indexes.covering(watched)), { start: 0, model: undefined, reasoning: true });
  assert.ok(reads() - before <= 4, `the settings read ${reads() - before} entries`);
});

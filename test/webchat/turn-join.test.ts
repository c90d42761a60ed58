// A page that opens a conversation mid-turn (a reload, a second tab, a drop) joins the gateway's snapshot
// of the turn (src/gateway/live-turns.ts) and its live events (src/channels/webchat/page/turn-join.ts):
// every word once, in order, whichever comes first — every interleaving of a snapshot and the events is tried.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { applyAgentEvent, newLiveTurn, type LiveTurn } from "../../src/channels/webchat/page/live-turn.js";
import { joinSnapshot, takeEvent } from "../../src/channels/webchat/page/turn-join.js";
import { LiveTurns } from "../../src/gateway/live-turns.js";

const EVENTS: AgentEvent[] = [
  { type: "reasoning-delta", delta: "Think" },
  { type: "reasoning-delta", delta: "ing." },
  { type: "text-delta", delta: "The first " },
  { type: "text-delta", delta: "words." },
  { type: "tool-start", name: "time", arguments: {}, command: "time" },
  { type: "tool-end", name: "time", command: "time", isError: false, preview: "12:00" },
  { type: "text-delta", delta: "After the tool" },
  { type: "text-delta", delta: ", the rest." },
];

/** What a page that saw every event from the turn's start shows. */
function watchedWhole(): LiveTurn {
  const turn = newLiveTurn("t");
  for (const event of EVENTS) applyAgentEvent(turn, event);
  return turn;
}

test("the gateway keeps a turn's events numbered from 1, a run of deltas as one, and forgets the turn at its end", () => {
  const live = new LiveTurns();
  assert.equal(live.record("s", { type: "notice", text: "waiting for another process" }), undefined, "no turn under way: not numbered");
  const id = live.begin("s", { channel: "webchat", text: "hello" });
  const stamps = EVENTS.map((event) => live.record("s", event));
  assert.deepEqual(stamps.map((stamp) => stamp?.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(stamps.every((stamp) => stamp?.turn === id));
  const snapshot = live.snapshot("s");
  assert.equal(snapshot?.seq, 8);
  assert.deepEqual(snapshot?.events.map((event) => event.type), ["reasoning-delta", "text-delta", "tool-start", "tool-end", "text-delta"]);
  assert.deepEqual(live.all().map((turn) => turn.session), ["s"]);
  assert.equal(live.end("s"), id);
  assert.equal(live.snapshot("s"), undefined);
  assert.notEqual(live.begin("s", { channel: "webchat", text: "again" }), id, "every turn has its own id");
});

test("a snapshot taken after any number of events, joined with the event stream at any point, shows each word once", () => {
  const whole = watchedWhole();
  const live = new LiveTurns();
  const id = live.begin("s", { channel: "webchat", text: "hello" });
  /** The snapshot after each number of events, as the gateway gives it (the conversation read, or the events' first words). */
  const snapshots = [live.snapshot("s")];
  const told = EVENTS.map((event) => {
    const stamp = live.record("s", event);
    snapshots.push(live.snapshot("s"));
    return { event, ...stamp };
  });
  const at = (count: number) => {
    const snapshot = snapshots[count];
    assert.ok(snapshot);
    return snapshot;
  };
  // The page's event stream connected after `from` events (it starts with the turn so far, `turn-live`); the
  // conversation read (a snapshot after `taken` events: before, at or past the stream) lands after `arrivesAfter` of its events.
  for (let from = 0; from <= EVENTS.length; from++) {
    for (let taken = 0; taken <= EVENTS.length; taken++) {
      for (let arrivesAfter = 0; arrivesAfter <= EVENTS.length - from; arrivesAfter++) {
        const apply = (held: LiveTurn, stamped: (typeof told)[number]): void => {
          if (takeEvent(held, stamped)) applyAgentEvent(held, stamped.event);
        };
        const stream = told.slice(from);
        let held = joinSnapshot(undefined, at(from));
        for (const stamped of stream.slice(0, arrivesAfter)) apply(held, stamped);
        held = joinSnapshot(held, at(taken));
        for (const stamped of stream.slice(arrivesAfter)) apply(held, stamped);
        const where = `stream from ${from}, snapshot after ${taken}, read after ${arrivesAfter} streamed`;
        assert.equal(held.turn, id);
        assert.equal(held.text, whole.text, where);
        assert.equal(held.reasoning, whole.reasoning, where);
        assert.deepEqual(held.notes, whole.notes, where);
        assert.equal(held.seq, EVENTS.length, where);
      }
    }
  }
});

test("a page that saw the turn further than a late snapshot keeps what it has; one behind takes the snapshot in place", () => {
  const ahead = newLiveTurn("t");
  for (const [index, event] of EVENTS.entries()) if (takeEvent(ahead, { turn: "t", seq: index + 1 })) applyAgentEvent(ahead, event);
  const late = { turn: "t", seq: 3, events: EVENTS.slice(0, 3) };
  assert.equal(joinSnapshot(ahead, late), ahead);
  assert.equal(ahead.text, watchedWhole().text);

  const behind = newLiveTurn("t");
  const same = joinSnapshot(behind, { turn: "t", seq: EVENTS.length, events: EVENTS });
  assert.equal(same, behind, "the view keeps drawing the same object");
  assert.equal(behind.text, watchedWhole().text);
  assert.equal(takeEvent(behind, { turn: "t", seq: EVENTS.length }), false, "an event the snapshot held is not folded again");
});

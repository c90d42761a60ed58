// Each line of a message journal is checked as a session entry is when it is written (t14-attack #3):
// what fails is dropped with why and its line number, never the lines around it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { checkedJournalLines, type JournalLine } from "../../src/gateway/journal-lines.js";

const WRITTEN_AT = Date.parse("2026-12-05T10:00:00.000Z");
const AT = "2026-12-05T09:59:00.000Z";

function check(lines: readonly string[], options: { torn?: string } = {}): { used: JournalLine[]; skipped: [number, string][] } {
  const skipped: [number, string][] = [];
  const text = `${lines.join("\n")}\n${options.torn ?? ""}`;
  const used = checkedJournalLines({ text, writtenAt: WRITTEN_AT, skipped: (line, reason) => skipped.push([line, reason]) });
  return { used, skipped };
}

const add = (fields: Record<string, unknown>): string => JSON.stringify({ add: { id: randomUUID(), session: "s", text: "hello", channel: "webchat", agent: "main", at: AT, ...fields } });

describe("the lines of a message journal", () => {
  test("lines as hearth writes them pass, images (an array) and fields added later included; a last line cut short is left out, and said (t19 #8)", () => {
    const id = randomUUID();
    const { used, skipped } = check(
      [
        add({ images: [{ mediaType: "image/png", data: "iVBORw0KGgo=" }], quoted: "earlier words", later: { any: "thing" } }),
        add({ channel: undefined, agent: undefined }),
        JSON.stringify({ turn: { id, session: "web-1:a@b+c", entry: "0a1b2c3d" } }),
        JSON.stringify({ take: id }),
      ],
      { torn: '{"add":{"id":"0a1b","session":"web-jr","text":"private wor' },
    );
    assert.deepEqual(skipped, [[5, 'cut short, it ends mid-way — a power loss, a full disk or an edit: a message taken in for session "web-jr" is lost (its text is not logged) unless hearth stopped while writing it, when it was never accepted']]);
    assert.deepEqual(used.map((line) => Object.keys(line)[0]), ["add", "add", "turn", "take"]);
    assert.equal(used[0]?.add?.images?.length, 1);
    assert.equal(used[1]?.add?.channel, undefined, "a message without a channel reads as before (unknown)");
  });

  test("each piece that fails is named with its line and why; the lines around it are kept", () => {
    const { used, skipped } = check([
      add({ text: "kept before" }),
      add({ at: "2099-01-01T00:00:00.000Z", channel: "whatsapp" }),
      add({ session: "../../../../tmp/escape" }),
      add({ at: "not a date" }),
      add({ at: "1" }),
      add({ channel: "\u001b[31mevil\nline" }),
      add({ agent: "../../nonexistent" }),
      add({ images: "not a list" }),
      add({ id: "a1" }),
      add({ text: 5 }),
      JSON.stringify({ turn: { id: randomUUID(), session: "s", entry: "not an id" } }),
      JSON.stringify({ take: 5 }),
      JSON.stringify({ add: {}, take: randomUUID() }),
      JSON.stringify(["add"]),
      "{not json",
      add({ text: "kept after" }),
    ]);
    assert.deepEqual(
      used.map((line) => line.add?.text),
      ["kept before", "kept after"],
    );
    assert.deepEqual(skipped, [
      [2, "add.at: later than the journal was last written"],
      [3, "add.session: expected a session key (letters, digits and . _ - : @ +, up to 128 characters)"],
      [4, "add.at: expected an ISO time (as 2026-12-05T10:00:00.000Z)"],
      [5, "add.at: expected an ISO time (as 2026-12-05T10:00:00.000Z)"],
      [6, "add.channel: expected one of hearth's channels (cli, http, webchat, whatsapp)"],
      [7, "add.agent: expected an agent id (letters, digits, '.', '_' and '-')"],
      [8, "add.images: Invalid input: expected array, received string"],
      [9, "add.id: expected a journal id (a UUID)"],
      [10, "add.text: Invalid input: expected string, received number"],
      [11, "turn.entry: expected a session entry id (8 hex digits)"],
      [12, "take: Invalid input: expected string, received number"],
      [13, "not a journal line (exactly one of add, turn or take)"],
      [14, "not a journal line (an add, turn or take)"],
      [15, "not JSON"],
    ]);
    assert.ok(skipped.every(([, reason]) => !reason.includes("\u001b")), "a raw control character in a line never reaches the reason");
  });
});

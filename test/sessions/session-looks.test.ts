import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessionLooks } from "../../src/sessions/session-looks.js";

/** Looks with a watch begun at `since` (the clock then), bounded to `bound` looks. */
function watchedLooks(options: { bound: number; since: number }): SessionLooks {
  const looks = new SessionLooks({ bound: options.bound, now: () => options.since });
  looks.watchBegan();
  return looks;
}

describe("SessionLooks: a look the bound dropped", () => {
  test("is not news at its session's next turn while the file is as this process noted it, and is news once it changed", () => {
    const looks = watchedLooks({ bound: 2, since: 10_000 });
    // This process wrote three sessions after the watch began: the first one's look is dropped by the bound of two.
    looks.note("a", { size: 10, mtimeMs: 10_050.5 });
    looks.note("b", { size: 10, mtimeMs: 10_060.5 });
    looks.note("c", { size: 10, mtimeMs: 10_070.5 });
    assert.equal(looks.noted("a"), undefined, "dropped by the bound");
    assert.equal(looks.news("a", looks.noted("a"), { size: 10, mtimeMs: 10_050.5 }), false, "its own write, as it was: not news");
    // Not noted: if it were another process's write the watch had not told yet, the watch still tells it.
    assert.equal(looks.isNoted("a", { size: 10, mtimeMs: 10_050.5 }), false);
    // Another process writes it after the drop: news, and noted as told.
    assert.equal(looks.news("a", looks.noted("a"), { size: 25, mtimeMs: 10_200.5 }), true);
    assert.equal(looks.isNoted("a", { size: 25, mtimeMs: 10_200.5 }), true);
  });

  test("a session no look of which was ever held, written by another process after the drops, is news", () => {
    const looks = watchedLooks({ bound: 1, since: 10_000 });
    looks.note("a", { size: 10, mtimeMs: 10_050.5 });
    looks.note("b", { size: 10, mtimeMs: 10_060.5 });
    assert.equal(looks.news("d", undefined, { size: 5, mtimeMs: 10_300.5 }), true);
  });

  test("looks dropped before a watch began say nothing of the sessions after it (the first watch forgets what was noted)", () => {
    const looks = new SessionLooks({ bound: 1, now: () => 20_000 });
    looks.note("a", { size: 10, mtimeMs: 30_000.5 });
    looks.note("b", { size: 10, mtimeMs: 30_010.5 });
    looks.watchBegan();
    assert.equal(looks.news("c", undefined, { size: 5, mtimeMs: 25_000.5 }), true);
  });
});

describe("SessionLooks: a file system that stamps coarsely", () => {
  test("a write stamped on the whole second before the watch began (a 1-s or 2-s file system) is still news", () => {
    // The watch began at 10,500; another process wrote at 10,800, stamped 10,000 by a file system with whole-second stamps.
    const looks = watchedLooks({ bound: 16, since: 10_500 });
    assert.equal(looks.news("a", undefined, { size: 7, mtimeMs: 10_000 }), true);
    assert.ok(looks.stampAllowance() >= 1_000);
  });

  test("a file system whose stamps are finer than a second: a file stamped well before the watch began is not news", () => {
    const looks = watchedLooks({ bound: 16, since: 10_500 });
    looks.note("seen", { size: 3, mtimeMs: 10_501.25 });
    assert.equal(looks.stampAllowance(), 100);
    assert.equal(looks.news("old", undefined, { size: 7, mtimeMs: 10_350.25 }), false);
    assert.equal(looks.news("new", undefined, { size: 7, mtimeMs: 10_450.75 }), true, "within a kernel tick of the watch's start");
  });

  test("stamps on odd seconds say a step of one second, not two", () => {
    const looks = watchedLooks({ bound: 16, since: 10_500 });
    looks.note("seen", { size: 3, mtimeMs: 9_000 });
    assert.equal(looks.stampAllowance(), 1_100);
    assert.equal(looks.news("older", undefined, { size: 7, mtimeMs: 8_000 }), false, "stamped a whole step before the watch began");
  });
});

// s23 review #2: the turn's fence (a folder made inside the turn) changed the turn folder's time, which
// proper-lockfile's refresh a second later read as another's: the turn was called compromised, not refreshed,
// and not removed at release — the session read as busy for ~2 s after every turn held a second or more.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { takeTurn } from "../../src/sessions/lock-takeover.js";
import { tempDir } from "../helpers/run-cli.js";

const temp = tempDir("hearth-lock-turn-");
after(() => temp.cleanup());

test("a turn held past proper-lockfile's refresh is still this process's: released, it is gone, and the next taker has it at once", async () => {
  const lock = join(temp.dir, "s.jsonl.lock");
  const turn = await takeTurn(lock);
  assert.ok(turn, "the turn is free");
  // Past the refresh (1 s: half the turn's staleness): the refresh must find the turn's time its own.
  await new Promise((resolve) => setTimeout(resolve, 1_400));
  assert.equal(existsSync(turn.fence), true, "still held: not taken over");
  await turn.release();
  assert.equal(existsSync(`${lock}-taking`), false, "released: the turn folder is removed");
  const next = await takeTurn(lock);
  assert.ok(next, "the next taker has the turn, not 'busy'");
  await next.release();
});

// A "no answer" reason that promises a Retry loses that promise once its message was sent again after
// later ones (the Retry is gone there: message-tries.ts's withoutRetryPromise). Every reason hearth writes
// with such a promise is pinned here, so that a new wording (a turn cut by a killed `hearth agent`, say)
// cannot leave a resent message still offering its Retry.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cutTurnEnd, NOT_STARTED, type TurnProcess } from "../../src/gateway/cut-turn.js";
import { STOPPED_BEFORE_TURN } from "../../src/gateway/stopped-turns.js";
import type { SessionEntry } from "../../src/sessions/entries.js";
import { withoutRetryPromise } from "../../src/sessions/message-tries.js";

const user = { type: "user", id: "0123abcd", at: "2026-12-05T05:00:00.000Z", text: "hello" } satisfies SessionEntry;

function cutReason(by: TurnProcess): string {
  const end = cutTurnEnd([user], user.id, { by });
  assert.ok(end?.type === "turn-failed", `a turn cut by ${by} is closed with a turn-failed entry`);
  return end.error;
}

test("every reason that promises a Retry has the promise taken off for a message sent again", () => {
  const reasons = [NOT_STARTED, STOPPED_BEFORE_TURN, ...(["gateway", "agent", "chat"] as const).map(cutReason)];
  for (const reason of reasons) {
    assert.match(reason, /retry/i, `the reason promises a retry: ${reason}`);
    const stripped = withoutRetryPromise(reason);
    assert.ok(stripped.length < reason.length, `the promise is taken off: ${reason}`);
    assert.doesNotMatch(stripped, /retry/i, `nothing of the promise is left: ${stripped}`);
  }
});

test("a reason that promises nothing is left as it is", () => {
  assert.equal(withoutRetryPromise("the model server refused the connection"), "the model server refused the connection");
});

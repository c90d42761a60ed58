// Review s27 #12: the fuzz tests' "nothing lost" check accepted any whole tag taken out anywhere, so a splitter that
// dropped a tag the answer quotes after it began passed every case. It allows a tag taken out only where reasoning is.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertNothingLost } from "./think-split.js";

test("the check refuses a tag the answer quotes taken out, and allows the tags around reasoning", () => {
  const output = "<think>plan</think>The answer quotes <think> here.";
  assert.throws(() => assertNothingLost(output, [{ kind: "reasoning", text: "plan" }, { kind: "text", text: "The answer quotes  here." }], "dropped"));
  assert.throws(() => assertNothingLost("The answer. </think> more", [{ kind: "text", text: "The answer.  more" }], "dropped close"));
  assertNothingLost(output, [{ kind: "reasoning", text: "plan" }, { kind: "text", text: "The answer quotes <think> here." }], "kept");
  assertNothingLost("Sure. <think>plan</think> Done.", [{ kind: "text", text: "Sure. " }, { kind: "reasoning", text: "plan" }, { kind: "text", text: "Done." }], "a block after answer text");
});

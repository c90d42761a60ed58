import assert from "node:assert/strict";
import { test } from "node:test";
import { terminalSafe } from "../../src/cli/io.js";

// t22 #9: model text printed to a terminal (`hearth chat`, `hearth agent`, `hearth sessions show`, `hearth
// logs`) kept its direction controls, so a steered model's `\u202eexe.txt` reordered what follows it on a
// terminal that applies bidi (VTE, Konsole, mintty) — as t17 #4 found for the web chat. Shown as what they are.
test("terminal output shows direction controls as what they are, and strips escapes as before", () => {
  assert.equal(terminalSafe("run \u202eexe.txt\u202c now, \u2066x\u2069"), "run ⟨U+202E⟩exe.txt⟨U+202C⟩ now, ⟨U+2066⟩x⟨U+2069⟩");
  assert.equal(terminalSafe("a \u001b]0;TITLE\u0007b \u001b[31mred\u001b[0m"), "a b red");
  const rightToLeft = "שלום עולם — مرحبا بالعالم (a mark: \u200f)";
  assert.equal(terminalSafe(rightToLeft), rightToLeft, "right-to-left text without controls is left as it is");
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { showBidiControls } from "../../src/channels/webchat/page/bidi-controls.js";
import { createMarkdown } from "../../src/channels/webchat/page/markdown.js";

// A direction control in an answer reordered the text after it on the page (`\u202eRLO` showed as
// `OLR`): a steered model could show a command or a link's words other than they are (t17 #4).

describe("direction controls in what the page shows", () => {
  test("an answer's overrides, embeddings and isolates are shown as what they are, in text and in code alike", () => {
    const html = createMarkdown()("run \u202eexe.txt\u202c now\n\n```\nrm \u2066-rf\u2069 x\n```\n\n[\u202edocs](https://example.com)");
    assert.doesNotMatch(html, /[\u202a-\u202e\u2066-\u2069]/u, "no control reaches the page");
    assert.match(html, /run ⟨U\+202E⟩exe\.txt⟨U\+202C⟩ now/);
    assert.match(html, /rm ⟨U\+2066⟩-rf⟨U\+2069⟩ x/);
    assert.match(html, /<a href="https:\/\/example\.com"[^>]*>⟨U\+202E⟩docs<\/a>/);
  });

  test("right-to-left text without controls is left as it is", () => {
    const text = "שלום עולם — مرحبا بالعالم (a mark: \u200f)";
    assert.equal(showBidiControls(text), text);
  });
});

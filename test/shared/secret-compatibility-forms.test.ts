// A key written in compatibility forms, which NFKC folds to its characters: fullwidth (`ｓｋ－ｐｒｏｊ－…`,
// trial t10's finding 6), mathematical alphanumerics (`𝗌𝗄`, two code units a letter), circled and enclosed
// letters, superscripts where they fold, ligatures. Each is masked as the key is, known or key-shaped,
// whole and streamed cut anywhere (inside a surrogate pair too), the text's own characters replaced.
import assert from "node:assert/strict";
import { test } from "node:test";
import { foldCompatibility, compatibilityFoldedCodePoints } from "../../src/shared/compatibility-fold.js";
import { KeyShapeStream } from "../../src/shared/key-shape-stream.js";
import { maskKeyShapes } from "../../src/shared/key-shapes.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { SecretStream } from "../../src/shared/secret-stream.js";

// Not key-shaped: only knowing the value masks it.
const KNOWN = "canary-Secret-7f3a9c1e5b";
// Key-shaped: masked with no value known.
const SHAPED = "sk-proj-Q9wErTyUiOp1234567890AbCdEf";

/** For each ASCII character, the code points past ASCII that NFKC folds to it alone, in order (Unicode as the runtime knows it). */
const FOLDING_TO = (() => {
  const found = new Map<string, number[]>();
  for (let code = 0x80; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const folded = String.fromCodePoint(code).normalize("NFKC");
    if (folded.length === 1 && folded.charCodeAt(0) < 0x80) found.set(folded, [...(found.get(folded) ?? []), code]);
  }
  return found;
})();

/** The styles, each by the code point ranges it takes its characters from; a character with none there stays as written. */
const STYLES: Record<string, readonly (readonly [number, number])[]> = {
  fullwidth: [[0xff00, 0xffef]],
  "mathematical bold": [[0x1d400, 0x1d433], [0x1d7ce, 0x1d7d7]],
  "mathematical sans-serif": [[0x1d5a0, 0x1d5d3], [0x1d7e2, 0x1d7eb]],
  // Double-struck letters with holes filled from the letterlike symbols (ℂ, ℍ, ℕ, …: one code unit beside two).
  "mathematical double-struck": [[0x1d538, 0x1d56b], [0x2100, 0x214f], [0x1d7d8, 0x1d7e1]],
  circled: [[0x2460, 0x24ff]],
  "squared (enclosed supplement)": [[0x1f130, 0x1f189]],
  superscript: [[0x00aa, 0x00ba], [0x02b0, 0x02ff], [0x1d2c, 0x1dbf], [0x2070, 0x209f], [0xa7f0, 0xa7ff], [0x10780, 0x107bf]],
  "segmented digits and fullwidth letters": [[0x1fbf0, 0x1fbf9], [0xff00, 0xffef]],
};

function styled(text: string, ranges: readonly (readonly [number, number])[]): string {
  return [...text]
    .map((character) => {
      const code = FOLDING_TO.get(character)?.find((each) => ranges.some(([low, high]) => each >= low && each <= high));
      return code === undefined ? character : String.fromCodePoint(code);
    })
    .join("");
}

/** Each style of `key`, checked to fold back to the key (but for letter case where a style has one case) and to differ from it. */
function formsOf(key: string): [string, string][] {
  return Object.entries(STYLES).map(([name, ranges]) => {
    const form = name.startsWith("squared") ? styled(key.toUpperCase(), ranges) : styled(key, ranges);
    assert.notEqual(form, key, name);
    assert.equal(form.normalize("NFKC").toLowerCase(), key.toLowerCase(), name);
    return [name, form];
  });
}

// What stands before and after: nothing, ASCII, CJK, and compatibility forms that are no key's (left as written).
const BEFORE = ["", "x ", "前文：", "𝐀𝐁 ", "Ｈｉ ", "ﬁ "];
const AFTER = ["", " ok", "。", " 𝐳", "ｏｋ"];

/** The text streamed in two pieces cut at `cut`, a code unit count (inside a surrogate pair too). */
function streamed(redactor: SecretRedactor, pieces: readonly string[]): string {
  const stream = new SecretStream(redactor);
  return pieces.map((piece) => stream.push(piece)).join("") + stream.end();
}

function cutsOf(text: string): string[][] {
  const cuts = Array.from({ length: text.length + 1 }, (_, cut) => [text.slice(0, cut), text.slice(cut)]);
  return [...cuts, [...text.split("")]];
}

test("every code point NFKC folds to other ASCII text is folded, to what NFKC folds it to", () => {
  const expected: [number, string][] = [];
  for (let code = 0x80; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const character = String.fromCodePoint(code);
    const folded = character.normalize("NFKC");
    if (folded !== character && /^[\0-\x7f]+$/.test(folded)) expected.push([code, folded]);
  }
  assert.deepEqual(compatibilityFoldedCodePoints(), expected);
  assert.equal(foldCompatibility("plain ASCII, and 前文 and é"), undefined);
});

test("a known key in each compatibility form is masked whole, at every offset, its own characters replaced", () => {
  const redactor = new SecretRedactor([KNOWN]);
  for (const [name, form] of formsOf(KNOWN)) {
    for (const before of BEFORE) {
      for (const after of AFTER) assert.equal(redactor.redact(`${before}${form}${after}`), `${before}***${after}`, `${name}: ${before}${form}${after}`);
    }
    // In its other forms too, read in the fold: spaced out, and a piece of it with its first characters cut off.
    assert.equal(redactor.redact(`key: ${[...form].join(" ")} end`), "key: *** end", name);
    assert.equal(redactor.redact(`tail: ${[...form].slice(5).join("")} end`), "tail: *** end", name);
  }
});

test("a known key in each compatibility form is masked streamed, cut at every position and a code unit a piece", () => {
  const redactor = new SecretRedactor([KNOWN]);
  for (const [name, form] of formsOf(KNOWN)) {
    for (const [before, after] of [["", ""], ["前文：", " ok"], ["𝐀𝐁 ", " 𝐳"], ["x ", "。"]] as const) {
      const text = `${before}${form}${after}`;
      // As the key written plainly streams (a stream that ends right after a key masks what it held with it: `。`).
      const plain = streamed(redactor, [`${before}${KNOWN}${after}`]);
      assert.ok(plain.startsWith(`${before}***`), plain);
      for (const pieces of cutsOf(text)) assert.equal(streamed(redactor, pieces), plain, `${name}: ${JSON.stringify(pieces)}`);
    }
  }
});

test("a key shape (sk-…) in each compatibility form is masked with no value known, whole and streamed at every cut", () => {
  const none = new SecretRedactor();
  for (const [name, form] of formsOf(SHAPED)) {
    // A letter case style (squared: capitals alone) makes no `sk-` key: only the known value is masked in any case.
    if (name.startsWith("squared")) continue;
    for (const before of BEFORE) {
      // (Letters right after a key are more of its run: `ｏｋ` is left out.)
      for (const after of AFTER.filter((each) => /^\P{L}/u.test(each) || each === "")) {
        const text = `${before}${form}${after}`;
        assert.equal(none.redact(text), `${before}***${after}`, `${name}: ${text}`);
        for (const pieces of cutsOf(text)) {
          assert.equal(streamed(none, pieces), `${before}***${after}`, `${name}: ${JSON.stringify(pieces)}`);
          const shapes = new KeyShapeStream();
          assert.equal(pieces.map((piece) => shapes.push(piece)).join("") + shapes.end(), maskKeyShapes(text), `${name} (shapes alone): ${JSON.stringify(pieces)}`);
        }
      }
    }
  }
  // A fold that makes a word character before it is no key's beginning, as `ask-…` is none.
  const joined = `ａ${styled(SHAPED, STYLES.fullwidth ?? [])}`;
  assert.equal(none.redact(joined), joined);
});

test("a character that folds to several (ﬁ, ㎏) inside a known key is masked with the key, nothing beside it", () => {
  const key = "canary-fiSecret-kg7f3a9c1e5b";
  const redactor = new SecretRedactor([key]);
  const text = `see ﬁ: canary-ﬁSecret-㎏7f3a9c1e5b ﬁne`;
  assert.equal(redactor.redact(text), "see ﬁ: *** ﬁne");
  for (const pieces of cutsOf(text)) assert.equal(streamed(redactor, pieces), "see ﬁ: *** ﬁne", JSON.stringify(pieces));
});

test("a value configured in compatibility forms is masked written plainly, and text of such forms that holds no key is left as written", () => {
  const redactor = new SecretRedactor(["ｐａｓｓ－ｐｈｒａｓｅ－９９４２１"]);
  assert.equal(redactor.redact("the pass-phrase-99421 here"), "the *** here");
  assert.equal(redactor.redact("the ｐａｓｓ－ｐｈｒａｓｅ－９９４２１ here"), "the *** here");
  const prose = "Ｈｅｌｌｏ ｗｏｒｌｄ, 𝐁𝐨𝐥𝐝 ⓒⓘⓡⓒⓛⓔⓓ x² ﬁne 前文";
  assert.equal(new SecretRedactor([KNOWN]).redact(prose), prose);
  assert.equal(streamed(new SecretRedactor([KNOWN]), [...prose]), prose);
});

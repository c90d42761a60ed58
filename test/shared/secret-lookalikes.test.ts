// A key written in look-alike letters NFKC keeps (trial t10r, "Broken" A): Cyrillic and Greek letters and the
// hyphen U+2010 (`ѕк‐рrој‐…`), small capitals (`ꜱᴋ-ᴘʀᴏᴊ-…`) and tag characters (invisible, U+E0020–U+E007E).
// Each is masked whole and streamed cut at every position; prose in Russian and Greek goes out as written.
import assert from "node:assert/strict";
import { test } from "node:test";
import { lookalikeCodePoints } from "../../src/shared/compatibility-fold.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { SecretStream } from "../../src/shared/secret-stream.js";

const KNOWN = "canary-secret-7f3a9c1e5b";
const SHAPED = "sk-proj-Q9wErTyUiOp1234567890AbCdEf";
const FOLDS = new Map(lookalikeCodePoints());

/** `key` with each character that has a look-alike in `ranges` written as the first such. */
function written(key: string, ranges: readonly (readonly [number, number])[]): string {
  return [...key]
    .map((character) => {
      const code = [...FOLDS].find(([each, fold]) => fold === character && ranges.some(([low, high]) => each >= low && each <= high))?.[0];
      return code === undefined ? character : String.fromCodePoint(code);
    })
    .join("");
}

const FORMS: Record<string, (key: string) => string> = {
  "Cyrillic and Greek, U+2010": (key) => written(key, [[0x370, 0x52f], [0x2010, 0x2010]]),
  "small capitals": (key) => written(key.toLowerCase(), [[0x262, 0x29f], [0x1d00, 0x1d22], [0xa730, 0xa7af]]),
  "tag characters": (key) => [...key].map((character) => String.fromCodePoint(0xe0000 + character.charCodeAt(0))).join(""),
};

function streamed(redactor: SecretRedactor, pieces: readonly string[]): string {
  const stream = new SecretStream(redactor);
  return pieces.map((piece) => stream.push(piece)).join("") + stream.end();
}

test("the look-alike table is the data's: sorted, each fold an ASCII letter, digit, - or _, the report's letters among them", () => {
  const codes = [...FOLDS.keys()];
  assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
  for (const [code, fold] of FOLDS) {
    assert.match(fold, /^[\x20-\x7e]$/, code.toString(16));
    if (code < 0xe0000) assert.match(fold, /^[A-Za-z0-9_-]$/, code.toString(16));
  }
  for (const [character, fold] of [["ѕ", "s"], ["к", "k"], ["р", "p"], ["ј", "j"], ["‐", "-"], ["ԝ", "w"], ["Е", "E"], ["ꜱ", "s"], ["ᴋ", "k"], ["ᴘ", "p"], ["ʀ", "r"]] as const) {
    assert.equal(FOLDS.get(character.codePointAt(0) as number), fold, character);
  }
});

for (const [name, form] of Object.entries(FORMS)) {
  test(`a key in ${name} is masked, known and key-shaped, whole and streamed cut at every position`, () => {
    for (const [key, redactor] of [[KNOWN, new SecretRedactor([KNOWN])], [SHAPED, new SecretRedactor()]] as const) {
      const text = `Ключ: ${form(key)} — готово`;
      assert.notEqual(form(key), key);
      assert.equal(redactor.redact(text), "Ключ: *** — готово", `${name}: ${text}`);
      for (let cut = 0; cut <= text.length; cut++) {
        assert.equal(streamed(redactor, [text.slice(0, cut), text.slice(cut)]), "Ключ: *** — готово", `${name} cut at ${cut}`);
      }
    }
  });
}

test("prose in Russian and Greek that holds no key goes out as written, whole and streamed", () => {
  const prose = "Привет! Это обычный текст: скорость — 5 км/ч, всё хорошо, ТОРОНТО‐КИЕВ. Καλημέρα, ΑΒΓ ορος και ΚΟΡΟΝΑ.";
  const redactor = new SecretRedactor([KNOWN]);
  assert.equal(redactor.redact(prose), prose);
  assert.equal(streamed(redactor, [...prose]), prose);
  assert.equal(streamed(redactor, [prose]), prose);
});

// The forms a server or tool writes a secret in, found by a trial to pass the mask: separated hex,
// wrapped base64, percent- and JSON-escaped, spaced out. Each is masked from its first character to
// its last, streamed in pieces of any size too; prose, code and numbers that merely line up are not.
// Also the forms left open after that trial: HTML references, double percent-encoding, joined and
// zero-width-separated keys, C byte lists, hex dumps, base64 wrapped narrower than 8.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AgentEvent } from "../../src/agent/agent-events.js";
import { TurnRedactor } from "../../src/gateway/turn-redactor.js";
import { normalForm } from "../../src/shared/secret-normal-form.js";
import { SecretRedactor } from "../../src/shared/secret-redactor.js";
import { hexdumpC, hexOf, keyForms, pairs, wrap, xxd } from "../helpers/secret-forms.js";

// Not key-shaped (no "sk-…"): only knowing the value can mask it.
const KEY = "canary-Secret-7f3a9c1e5b";

test("each form of a known key a trial found unmasked is masked, from its first character to its last", () => {
  const redactor = new SecretRedactor([KEY]);
  for (const [name, form] of Object.entries(keyForms(KEY))) {
    const out = redactor.redact(`before: ${form} :after`);
    assert.ok(!normalForm(out).toLowerCase().includes(normalForm(KEY).toLowerCase().slice(0, 10)), `${name}: ${out}`);
    assert.ok(!normalForm(out).toLowerCase().includes(hexOf(KEY).slice(0, 16)), `${name}: ${out}`);
    // A hex dump is masked line by line (secret-forms: "hex dumps"); every other form in one piece.
    if (!/hexdump|xxd/.test(name)) assert.match(out, /^before: .{0,48}\*\*\*.{0,8} :after$/s, `${name}: ${out}`);
  }
  // Exactly the span: nothing before the first character or after the last is taken.
  assert.equal(redactor.redact(`key: ${KEY.replace(/./g, "$& ")}end`), "key: *** end");
  assert.equal(redactor.redact(`dump ${pairs(hexOf(KEY)).join(":")}.`), "dump ***.");
  assert.equal(redactor.redact(`url ?k=${[...KEY].map((char) => `%${char.charCodeAt(0).toString(16)}`).join("")}&x=1`), "url ?k=***&x=1");
  assert.equal(redactor.redact(`"${KEY.replaceAll("-", "\\u002d")}"`), '"***"');
});

test("a base64 wrapped mid-run, at every byte offset and line width, is masked", () => {
  const redactor = new SecretRedactor([KEY]);
  for (const before of ["", "u:", "us:", "user:"]) {
    const encoded = Buffer.from(`${before}${KEY}`).toString("base64");
    for (const width of [8, 13, 64, 76]) {
      for (const lineBreak of ["\n", "\r\n", "\\n"]) {
        const out = redactor.redact(wrap(encoded, width, lineBreak));
        const shown = out.replaceAll("\\n", "").replace(/\s/g, "");
        assert.match(shown, /^[A-Za-z0-9+/]{0,8}\*\*\*[A-Za-z0-9+/=]{0,4}$/, `after ${JSON.stringify(before)}, width ${width}: ${out}`);
      }
    }
  }
});

test("prose, code and numbers whose characters merely line up with a key are not masked", () => {
  const redactor = new SecretRedactor(["correcthorsebattery", "abcdefgh12345678", "lmstudio", KEY]);
  const texts = [
    "The correct horse battery staple is a famous comic about passwords.",
    "correct\nhorse battery, said the note: correct horse: battery",
    // Each of these also has what sends a text to the normal form (a % or \, four short words in a row, a line break inside).
    "100% correct horse battery, as C:\\path says",
    "correct horse battery: a b c d e f",
    "correct horse\nbattery, correcthorse battery",
    "Values: abcd efgh 1234 5678 are separate groups here, abcdefgh 12345678 too.",
    "const x = a + b * c; if (x) { y = z - 1; } // a b c d e f",
    "Numbers 12 34 56 78 90 and 0x41 0x42, 100% sure, C:\\Users\\me, 50%off, \\x4 and %4",
    "model lmstudio-community/qwen by lmstudio, l m s t u d i o spelt out",
    "ca na ry Se cr et but not the rest of it",
  ];
  for (const text of texts) assert.equal(redactor.redact(text), text);
  // The value itself, in each of those shapes, is.
  assert.equal(redactor.redact("pw: correcthorsebattery."), "pw: ***.");
  assert.equal(redactor.redact("pw: c o r r e c t h o r s e b a t t e r y."), "pw: ***.");
  assert.equal(redactor.redact("pw: correcthorse\nbattery."), "pw: ***.");
});

test("a value written with separators (a pass phrase) is masked as written, and spaced out", () => {
  const phrase = "correct horse battery staple";
  const redactor = new SecretRedactor([phrase]);
  assert.equal(redactor.redact(`it is ${phrase.toUpperCase()}.`), "it is ***.");
  assert.equal(redactor.redact(`q=${encodeURIComponent(phrase)}&x`), "q=***&x");
  assert.equal(redactor.redact(`it is ${phrase.replace(/\s/g, "").replace(/./g, "$& ")}.`), "it is *** .");
  assert.equal(redactor.redact("correct horses battery staple"), "correct horses battery staple");
});

test("a stream ending inside an escape or a spaced-out key holds it back", () => {
  const redactor = new SecretRedactor([KEY]);
  assert.equal(redactor.partialFrom("see %6"), 4);
  assert.equal(redactor.partialFrom("see \\u00"), 4);
  assert.equal(redactor.partialFrom("see c a n a r "), 4);
  assert.equal(redactor.partialFrom("see 63:61:6E:"), 4);
  assert.equal(redactor.partialFrom("nothing here."), "nothing here.".length);
});

function streamed(redactor: TurnRedactor, text: string, size: number): string {
  const out: AgentEvent[] = [];
  for (let at = 0; at < text.length; at += size) out.push(...redactor.event({ type: "text-delta", delta: text.slice(at, at + size) }));
  out.push(...redactor.flush());
  return out.map((event) => (event.type === "text-delta" ? event.delta : "")).join("");
}

for (const size of [1, 2, 3, 7, 16]) {
  test(`deltas of ${size} characters: every form is masked as the whole text would be, nothing of it shown`, () => {
    const secrets = new SecretRedactor([KEY]);
    for (const [name, form] of Object.entries(keyForms(KEY))) {
      const text = `Here: ${form} — done.`;
      const shown = streamed(new TurnRedactor(secrets), text, size);
      assert.equal(shown, secrets.redact(text), name);
      assert.ok(shown.includes("***"), `${name}: ${shown}`);
    }
  });
}

test("hex dumps (hexdump -C, xxd) are masked line by line, in the hex and in the characters; the layout stays", () => {
  const redactor = new SecretRedactor([KEY]);
  assert.equal(
    redactor.redact(`dump:\n${hexdumpC(`user:${KEY}`)}\n`),
    "dump:\n00000000  75 73 65 72 3a ***  |user:***|\n00000010  ***           |***|\n",
  );
  assert.equal(redactor.redact(`${xxd(`x${KEY}`)}\n`), "00000000: 78***  x***\n00000010: ***                   ***\n");
  // A dump of other bytes, and lines that merely start with hex, stay as written.
  const other = `${hexdumpC("nothing secret in these bytes at all")}\n${xxd("nor in these")}\n49dc12d test: a commit\ndeadbeef 12 34 56`;
  assert.equal(redactor.redact(other), other);
});

test("hex joined in groups whose last is shorter (a value of an odd number of bytes) is masked", () => {
  const odd = `${KEY}x`;
  const redactor = new SecretRedactor([odd]);
  for (const size of [2, 4]) for (const joiner of ["-", ".", "_"]) assert.equal(redactor.redact(`hex ${(hexOf(odd).match(new RegExp(`.{1,${size}}`, "g")) ?? []).join(joiner)}.`), "hex ***.");
});

test("prose, code, hashes and markup with dashes, dots, zero-width characters, references and byte lists stay as written", () => {
  // Values whose characters these texts hold in a row, but for dashes, line breaks and words of many lengths that no form puts there.
  const redactor = new SecretRedactor([KEY, "wellknownstateoftheart", "poemoffewwordsperline", "550e8400e29b41d4a716", "deadbeef0011"]);
  const texts = [
    "a well-known state-of-the-art e.g. i.e. a.b.c.d.e.f.g.h and x-y-z-1-2-3-4-5 or s_n_a_k_e_c_a_s_e",
    "----------------------------------------\n________________\n................",
    "id 550e8400-e29b-41d4-a716-446655440000, mac de-ad-be-ef-00-11, 550e.8400.e29b.41d4.a716 as-is, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "const bytes = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]; // gzip magic, then 0x41 alone",
    "Tom &amp; Jerry &lt;3 &#169; &copy; &hellip; 100%25 of &#x41;&#x42; and %2541",
    "zero\u200bwidth\u200cjoiners\u200d in\u2060 words\ufeff",
    "a poem\nof\nfew\nwords\nper\nline\nwraps\nat\nwill",
    "for (let i = 0; i < n; i++) { a[i] = b[i] - c[i] * 2; } // i j k l m n o p",
  ];
  for (const text of texts) assert.equal(redactor.redact(text), text);
});

test("a stream ending inside one of the new forms holds it back from its first character", () => {
  const redactor = new SecretRedactor([KEY]);
  assert.equal(redactor.partialFrom("see &#99;&#x61;&#11"), 4);
  assert.equal(redactor.partialFrom("see &amp;#9"), 4);
  assert.equal(redactor.partialFrom("see %2563%25"), 4);
  assert.equal(redactor.partialFrom("see c-a-n-"), 4);
  assert.equal(redactor.partialFrom("see c-"), 4);
  assert.equal(redactor.partialFrom("see c\u200ba\u200bn"), 4);
  assert.equal(redactor.partialFrom("see 63-61-6e-"), 4);
  assert.equal(redactor.partialFrom("see 0x63, 0x61, 0x6"), 4);
  assert.equal(redactor.partialFrom("see 0x63, 0x61, "), 4);
  assert.equal(redactor.partialFrom("see\n00000000  63 61 6e"), 4);
  assert.equal(redactor.partialFrom(`see\n${hexdumpC(`${KEY}`).split("\n")[0] as string}\n`), 4);
  assert.equal(redactor.partialFrom("see Y2Fu\nYXJ5\nLVNl"), 4);
  // The key's own dash after a letter that could begin a joined run: both readings are held.
  assert.equal(redactor.partialFrom("see canary-S"), 4);
  assert.equal(redactor.partialFrom("nothing here-and-there."), "nothing here-and-there.".length);
});

test("a stream that ends on what could begin a hex dump's line shows it when it holds no key's bytes, masks it when it does", () => {
  const secrets = new SecretRedactor([KEY]);
  for (const text of ["The number is\n12345678", "Dated\n20261202 is the day", "last line\ncafe"]) assert.equal(streamed(new TurnRedactor(secrets), text, 3), text);
  // Cut inside a dump of the key: its bytes so far are the key's beginning.
  const cut = `dump:\n${hexdumpC(KEY).slice(0, 40)}`;
  assert.equal(streamed(new TurnRedactor(secrets), cut, 5), "dump:\n***");
});

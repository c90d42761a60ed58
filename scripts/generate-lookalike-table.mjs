// Writes src/shared/lookalike-table.ts (the look-alike letters compatibility-fold.ts folds to ASCII) from Unicode's data:
// confusables.txt (https://www.unicode.org/Public/security/17.0.0/confusables.txt) and UnicodeData.txt
// (https://www.unicode.org/Public/17.0.0/ucd/UnicodeData.txt), both in the folder it runs in:
// `node scripts/generate-lookalike-table.mjs > src/shared/lookalike-table.ts`. Run it again for a new Unicode version.
import { readFileSync } from "node:fs";
const rows = new Map();
for (const line of readFileSync("confusables.txt", "utf8").split("\n")) {
  const m = /^([0-9A-F]+) ;\t([0-9A-F ]+) ;\tMA\t#\*? \( .* \) (.*) → (.*)\t# (.*)$/.exec(line);
  if (!m) continue;
  rows.set(parseInt(m[1], 16), { target: m[2].trim().split(" ").map((h) => parseInt(h, 16)), chain: m[5] });
}
const KEY_CHARACTER = /^[A-Za-z0-9_-]$/;
const AMBIGUOUS = new Set(["l", "O"]); // skeletons several ASCII characters share: l (I, 1, |) and O (0)
function nfkcAscii(code) { const f = String.fromCodePoint(code).normalize("NFKC"); return f !== String.fromCodePoint(code) && /^[\0-\x7f]+$/.test(f); }
function resolve(code, depth = 0) {
  const row = rows.get(code);
  if (!row || row.target.length !== 1 || row.target[0] >= 0x80) return undefined;
  const skeleton = String.fromCharCode(row.target[0]);
  if (!AMBIGUOUS.has(skeleton)) return skeleton;
  // The chain of the data: the first character it passes through that is ASCII, or one resolved itself.
  for (const character of row.chain.replace(/[\u200e\u200f]/g, "").split("→").filter(Boolean)) {
    const at = character.codePointAt(0);
    if ([...character].length !== 1) continue;
    if (at < 0x80) return at === 0x7c ? "l" : character;
    if (depth < 4) { const inner = resolve(at, depth + 1); if (inner !== undefined && inner !== skeleton) return inner; }
  }
  // A capital whose small letter is a look-alike of i is an I (Greek Ι, Cyrillic І).
  const lower = String.fromCodePoint(code).toLowerCase();
  if (skeleton === "l" && [...lower].length === 1 && lower.codePointAt(0) !== code) {
    const lowerRow = rows.get(lower.codePointAt(0));
    if (lowerRow && lowerRow.target.length === 1 && lowerRow.target[0] === 0x69) return "I";
  }
  return skeleton;
}
const table = new Map();
for (const code of rows.keys()) {
  if (code < 0x80 || nfkcAscii(code)) continue;
  const fold = resolve(code);
  if (fold !== undefined && KEY_CHARACTER.test(fold)) table.set(code, fold);
}
for (const line of readFileSync("UnicodeData.txt", "utf8").split("\n")) {
  const m = /^([0-9A-F]+);LATIN LETTER SMALL CAPITAL ([A-Z]);/.exec(line);
  if (m) { const code = parseInt(m[1], 16); const prior = table.get(code); const fold = m[2].toLowerCase(); if (prior && prior !== fold) console.error("conflict", m[1], prior, fold); table.set(code, fold); }
}
// Look-alikes of a small capital (its skeleton is the small capital's own, not ASCII: \`к\`, \`κ\` and \`ᴋ\` share \`ĸ\`) fold to its letter.
const smallCapitals = new Map();
for (const line of readFileSync("UnicodeData.txt", "utf8").split("\n")) {
  const m = /^([0-9A-F]+);LATIN LETTER SMALL CAPITAL ([A-Z]);/.exec(line);
  if (m) { const code = parseInt(m[1], 16); const row = rows.get(code); const skeleton = row && row.target.length === 1 ? row.target[0] : code; if (skeleton >= 0x80) smallCapitals.set(skeleton, m[2].toLowerCase()); }
}
for (const [code, row] of rows) {
  if (code < 0x80 || table.has(code) || nfkcAscii(code) || row.target.length !== 1) continue;
  const letter = smallCapitals.get(row.target[0]);
  if (letter !== undefined) table.set(code, letter);
}
for (const [skeleton, letter] of smallCapitals) if (!table.has(skeleton)) table.set(skeleton, letter);
const codes = [...table.keys()].sort((a, b) => a - b);
const folds = codes.map((c) => table.get(c)).join("");
console.error("entries", codes.length, "I:", codes.filter((c) => table.get(c) === "I").map((c) => c.toString(16)).join(" "));
console.error("1:", codes.filter((c) => table.get(c) === "1").map((c) => c.toString(16)).join(" "));
console.error("0:", codes.filter((c) => table.get(c) === "0").map((c) => c.toString(16)).join(" "));
const hex = codes.map((c) => "0x" + c.toString(16));
const lines = []; let current = "  ";
for (const h of hex) { if ((current + h + ", ").length > 150) { lines.push(current.trimEnd()); current = "  "; } current += h + ", "; }
lines.push(current.trimEnd());
const foldLines = []; for (let i = 0; i < folds.length; i += 120) foldLines.push(`  "${folds.slice(i, i + 120)}"`);
process.stdout.write(`/**
 * Look-alikes of ASCII letters, digits, \`-\` and \`_\` (generated, do not edit by hand): every code point past ASCII
 * whose skeleton in Unicode's confusables data (UTS #39 confusables.txt, version 17.0.0) is one of those characters,
 * but for those NFKC folds to ASCII already (compatibility-fold.ts folds them), in code point order; and the
 * small capitals (\`ꜱ\`, \`ᴋ\`, \`ᴘ\`, \`ʀ\`: LATIN LETTER SMALL CAPITAL in Unicode's names) as their letter, most of
 * which the confusables data leaves out, and their look-alikes in it (\`к\`, \`κ\`: the skeleton of \`ᴋ\`). Where a skeleton stands for several ASCII characters (\`l\` for \`l\`, \`I\`,
 * \`1\` and \`|\`; \`O\` for \`O\` and \`0\`) a code point folds to the one the data's own chain of look-alikes passes
 * through (\`١\` by way of \`1\`), a capital whose small letter is a look-alike of \`i\` to \`I\` (Greek \`Ι\`, Cyrillic
 * \`І\`), else to the skeleton.
 */
export const LOOKALIKE_CODES: readonly number[] = [
${lines.join("\n")}
];

/** What LOOKALIKE_CODES[i] folds to: character i. */
export const LOOKALIKE_FOLDS: string =
${foldLines.join(" +\n")};
`);

import JSON5 from "json5";
import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { maskKeyShapes } from "../shared/key-shapes.js";
import { json5StructureAt, type Json5Structure, type Place } from "./json5-structure.js";
import { maskExcerptLine, maskRandomTokens } from "./mask-excerpt.js";

/** Quotes that editors, web pages and translated docs put where JSON5 needs plain ones. */
const TYPOGRAPHIC_QUOTES: Record<string, string> = {
  "\u201C": "left double quotation mark “ (U+201C)",
  "\u201D": "right double quotation mark ” (U+201D)",
  "\u2018": "left single quotation mark ‘ (U+2018)",
  "\u2019": "right single quotation mark ’ (U+2019)",
  "\u201E": "double low-9 quotation mark „ (U+201E)",
  "\u00AB": "left-pointing double angle quotation mark « (U+00AB)",
  "\u00BB": "right-pointing double angle quotation mark » (U+00BB)",
  "\uFF02": "fullwidth quotation mark ＂ (U+FF02)",
};

interface Json5SyntaxError extends SyntaxError {
  lineNumber?: number;
  columnNumber?: number;
}

/** Parses JSON5 text; a syntax error becomes a config error with file:line:column, the line, a caret and a hint. */
export function parseJson5(text: string, file: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (error) {
    const syntax = error as Json5SyntaxError;
    const line = syntax.lineNumber ?? 1;
    const column = Math.max(1, syntax.columnNumber ?? 1);
    const reason = (syntax.message ?? "invalid JSON5").replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    const details = [...excerpt(text, line, column), ...hintFor(text, line, column, reason)];
    throw new HearthError("config", escapeControlCharacters(`${file}:${line}:${column}: syntax error: ${reason}`), details);
  }
}

function excerpt(text: string, line: number, column: number): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[line - 1] === undefined) return [];
  const number = String(line);
  // Keys must not reach a terminal or a log, nor escape sequences the terminal: see maskExcerptLine.
  const shown = maskExcerptLine(lines, line - 1);
  // Masking changes the line's length (a key becomes ***): the caret goes under what the text before
  // the problem became, masked the same way, and never past the end of what is shown.
  const characters = [...(lines[line - 1] ?? "")];
  const before = characters.slice(0, column - 1).join("");
  const shownBefore = maskExcerptLine(lines.map((text, index) => (index === line - 1 ? before : text)), line - 1);
  // A problem on a character of the line stays under one shown; one at its end stays just past it.
  const last = column <= characters.length ? [...shown].length - 1 : [...shown].length;
  // A problem inside what the whole line's masking hides (a quote in a URL's password): under where the two differ, the mask.
  const shownCharacters = [...shown];
  const beforeCharacters = [...shownBefore];
  let same = 0;
  while (same < beforeCharacters.length && beforeCharacters[same] === shownCharacters[same]) same++;
  const caret = Math.max(0, Math.min(same, last));
  return [`  ${number} | ${shown}`, `  ${" ".repeat(number.length)} | ${" ".repeat(caret)}^`];
}

function hintFor(text: string, line: number, column: number, reason: string): string[] {
  const lines = text.split(/\r?\n/);
  const character = [...(lines[line - 1] ?? "")][column - 1];
  const structure = json5StructureAt(text, line, column);
  const here = `${line}:${column}`;
  if (structure.inside === "string") {
    return [`hint: the string that starts at ${at(structure.insideFrom)} is not closed on its line: add the closing quote.`];
  }
  if (structure.inside === "comment") {
    return [`hint: the /* comment that starts at ${at(structure.insideFrom)} is not closed: add */ where it should end.`];
  }
  if (structure.top === "nothing" && structure.open.length === 0) {
    const ended = at(structure.endedAt);
    if (character === "}" || character === "]") {
      return [`hint: an extra \`${character}\` at ${here}: nothing is open here (the config ended at ${ended}); delete it.`];
    }
    return [`hint: text after the end of the config (${here}): the config ended at ${ended}; delete what follows, or move it inside.`];
  }
  if (character !== undefined && TYPOGRAPHIC_QUOTES[character]) {
    const others = lineNumbersWithTypographicQuotes(lines);
    const where = others.length > 1 ? ` The file has them on line${others.length === 1 ? "" : "s"} ${others.join(", ")}.` : "";
    return [
      `hint: this is a typographic quote, the ${TYPOGRAPHIC_QUOTES[character]}, which web pages and word processors put in place of plain quotes. JSON5 needs plain " or '.`,
      `fix: replace every “ ” ‘ ’ in the file with a plain " (your editor's find-and-replace does it).${where}`,
    ];
  }
  if (structure.open.length === 0 && /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(lines[line - 1] ?? "")) {
    return ["hint: this looks like a .env file (NAME=value lines), not a hearth config: point --config or HEARTH_CONFIG at the JSON5 config, and set the variables in the environment instead"];
  }
  if (reason.startsWith("invalid end of input")) {
    if (structure.open.length === 0) return ["hint: the file holds no config: a hearth config is one { … } object."];
    const opened = structure.open.map((open) => `\`${open.bracket}\` at ${at(open)}`).join(", ");
    const closers = [...structure.open].reverse().map((open) => (open.bracket === "{" ? "}" : "]")).join("");
    return [`hint: the file ends while ${structure.open.length === 1 ? "this is" : "these are"} still open: ${opened}; add \`${closers}\` where ${structure.open.length === 1 ? "it ends" : "they end"}.`];
  }
  const frame = structure.open[structure.open.length - 1];
  // The file's own words are never echoed in a hint (it may be a key, or hold escape sequences): places are named instead.
  const word = adjacentWord(structure, line, column);
  if (word !== undefined) {
    const whole = wholeWord(lines[line - 1] ?? "", word.column);
    const range = `${at(word)}–${line}:${word.column + [...whole].length - 1}`;
    // A bare key ends where JSON5 stops reading a name (`lm` of `lm-studio`): the whole word is the key to quote.
    if (frame?.expecting === "colon" && character !== undefined) {
      const quoted = printableName(whole) ? `, like ${JSON.stringify(whole)}:` : "";
      return [`hint: a key with \`${escapeControlCharacters(character)}\` in it needs quotes${quoted} (a key without them is letters, digits, _ and $, not starting with a digit); this key is at ${range}.`];
    }
    // A count with a unit (`contextWindow: 32k`): the number it means, as token counts go (k = 1024).
    const counted = /^(\d+(?:\.\d+)?)([kKmM])$/.exec(whole);
    if (counted?.[1] !== undefined && counted[2] !== undefined) {
      const times = counted[2].toLowerCase() === "k" ? 1024 : 1024 * 1024;
      return [`hint: the number at ${range} has a unit (${counted[2]}), which JSON5 does not read: write ${Math.round(Number(counted[1]) * times)} (${counted[1]} × ${times}, as token counts go), or the exact number you meant.`];
    }
    return [`hint: the unquoted word at ${range} is not a value: text values need quotes, like "lmstudio/minimax-m2.1-gs32" (the unquoted ones are numbers, true, false and null).`];
  }
  if (!frame) {
    return character !== undefined && /[A-Za-z_]/.test(character) ? ["hint: a hearth config is one { … } object: the file must start with {."] : [];
  }
  const closer = frame.bracket === "{" ? "}" : "]";
  if (character === "}" || character === "]") {
    if (character !== closer) {
      return [`hint: this \`${character}\` does not match the \`${frame.bracket}\` opened at ${at(frame)}, which is still open: close that one with \`${closer}\` first, or delete this \`${character}\`.`];
    }
    if (frame.expecting === "value") return [`hint: a value is missing after the \`:\` at ${at(structure.lastPunctuation)}.`];
    if (frame.expecting === "colon") return [`hint: the key that ends at ${at(structure.lastToken)} has no \`:\` and value.`];
    return [];
  }
  if (frame.expecting === "comma-or-close") {
    return [`hint: a comma is missing after the value that ends at ${at(structure.lastToken)} (or a \`${closer}\` to close the \`${frame.bracket}\` opened at ${at(frame)}).`];
  }
  if (frame.expecting === "colon") {
    return [`hint: a \`:\` is missing after the key that ends at ${at(structure.lastToken)}.`];
  }
  if (character === ",") {
    if (structure.lastPunctuation?.character === "," && afterPunctuation(structure)) return [`hint: two commas in a row (${at(structure.lastPunctuation)} and ${here}): delete one.`];
    if (structure.lastPunctuation?.character === ":" && afterPunctuation(structure)) return [`hint: a value is missing after the \`:\` at ${at(structure.lastPunctuation)}.`];
    return [`hint: ${frame.expecting === "key" ? "a key" : "a value"} is missing before this comma.`];
  }
  if (frame.expecting === "value" && character !== undefined && /[A-Za-z_]/.test(character)) {
    return ["hint: text values need quotes, like \"lmstudio/minimax-m2.1-gs32\"."];
  }
  if (frame.expecting === "key" && character !== undefined && !/\s/.test(character)) {
    return ["hint: a key is a name (letters, digits, _ and $, not starting with a digit) or quoted text, like \"my-key\"."];
  }
  return [];
}

function at(place: Place | undefined): string {
  return place ? `${place.line}:${place.column}` : "?";
}

/** The last `:` or `,` came after the last token (nothing stands between it and the error). */
function afterPunctuation(structure: Json5Structure): boolean {
  const punctuation = structure.lastPunctuation;
  const token = structure.lastToken;
  if (!punctuation) return false;
  if (!token) return true;
  return punctuation.line > token.line || (punctuation.line === token.line && punctuation.column > token.column);
}

/** Where an unquoted word that runs into the error starts (`tru}`, `12x`, `local-1`): the error is in that word, not after it. */
function adjacentWord(structure: Json5Structure, line: number, column: number): Place | undefined {
  const token = structure.lastToken;
  if (!token || token.kind !== "word" || token.line !== line || token.column !== column - 1) return undefined;
  return { line, column: column - [...token.text].length };
}

/** The word that starts at `column` of `text`, to where a space, a quote or JSON5 punctuation ends it (`lm-studio` of `lm-studio: {`). */
function wholeWord(text: string, column: number): string {
  const characters = [...text].slice(column - 1);
  const end = characters.findIndex((character) => /[\s"'`:,{}[\]]/u.test(character) || character === "/");
  return characters.slice(0, end < 0 ? undefined : end).join("");
}

/**
 * Whether a key may be echoed in a hint: plain printable text of a name's length, in short pieces
 * (`lm-studio`, `openrouter-backup`), nothing that starts or is shaped like an API key (`sk-…`): a key
 * pasted in where a name goes stays out. Otherwise the hint names its place only.
 */
function printableName(word: string): boolean {
  if (word.length === 0 || word.length > 40 || !/^[\x21-\x7e]+$/.test(word)) return false;
  if (/^(?:sk|pk|rk|ghp|gho|ghs|github_pat|xox[a-z]?|akia)[-_]/i.test(word)) return false;
  return word.split(/[-_.:/]/).every((piece) => piece.length < 12) && maskRandomTokens(word) === word && maskKeyShapes(word) === word;
}

function lineNumbersWithTypographicQuotes(lines: readonly string[]): number[] {
  const numbers: number[] = [];
  lines.forEach((text, index) => {
    if ([...text].some((character) => TYPOGRAPHIC_QUOTES[character])) numbers.push(index + 1);
  });
  return numbers;
}

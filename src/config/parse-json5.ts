import JSON5 from "json5";
import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { maskExcerptLine } from "./mask-excerpt.js";

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
  const caret = Math.max(0, Math.min([...shownBefore].length, last));
  return [`  ${number} | ${shown}`, `  ${" ".repeat(number.length)} | ${" ".repeat(caret)}^`];
}

function hintFor(text: string, line: number, column: number, reason: string): string[] {
  const lines = text.split(/\r?\n/);
  const character = [...(lines[line - 1] ?? "")][column - 1];
  if (character !== undefined && TYPOGRAPHIC_QUOTES[character]) {
    const others = lineNumbersWithTypographicQuotes(lines);
    const where = others.length > 1 ? ` The file has them on line${others.length === 1 ? "" : "s"} ${others.join(", ")}.` : "";
    return [
      `hint: this is a typographic quote, the ${TYPOGRAPHIC_QUOTES[character]}, which web pages and word processors put in place of plain quotes. JSON5 needs plain " or '.`,
      `fix: replace every “ ” ‘ ’ in the file with a plain " (your editor's find-and-replace does it).${where}`,
    ];
  }
  if (/^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=/.test(lines[line - 1] ?? "")) {
    return ["hint: this looks like a .env file (NAME=value lines), not a hearth config: point --config or HEARTH_CONFIG at the JSON5 config, and set the variables in the environment instead"];
  }
  if (reason.startsWith("invalid end of input")) {
    return ["hint: the file ends before every { and [ is closed: a closing } or ] is missing (or a string is not closed)."];
  }
  if (reason.startsWith("invalid character '\\n'") || (character === undefined && reason.includes("'\\n'"))) {
    return ["hint: a string is not closed on its line: add the closing quote."];
  }
  const before = previousSignificantCharacter(lines, line, column);
  if (character === "}" || character === "]") {
    if (before === "{" || before === "[" || before === ",") return ["hint: there is one closing bracket too many here, or a value is missing before it."];
    return ["hint: this closing bracket does not match the one that is open: check the brackets above it."];
  }
  if (before !== undefined && !"{[,:".includes(before)) {
    return ["hint: a comma is probably missing at the end of the previous value."];
  }
  if (before === ":" && character !== undefined && /[A-Za-z_]/.test(character)) {
    return ["hint: text values need quotes, like \"lmstudio/minimax-m2.1-gs32\"."];
  }
  return [];
}

function previousSignificantCharacter(lines: readonly string[], line: number, column: number): string | undefined {
  const current = (lines[line - 1] ?? "").slice(0, column - 1);
  const candidates = [current, ...lines.slice(0, line - 1).reverse()];
  for (const candidate of candidates) {
    const trimmed = candidate.replace(/\/\/.*$/, "").trimEnd();
    if (trimmed !== "") return trimmed[trimmed.length - 1];
  }
  return undefined;
}

function lineNumbersWithTypographicQuotes(lines: readonly string[]): number[] {
  const numbers: number[] = [];
  lines.forEach((text, index) => {
    if ([...text].some((character) => TYPOGRAPHIC_QUOTES[character])) numbers.push(index + 1);
  });
  return numbers;
}

/**
 * Where a JSON5 text stands at a given position: which brackets are open and what the parser expects next.
 * The text before a syntax error is valid JSON5, so reading it token by token gives the state the parser
 * was in when it met the bad character; the syntax hints are made from that state, never guessed from the
 * character before.
 */

export interface Place {
  line: number;
  column: number;
}

/** What the parser expects next, inside an object, an array, or at the top of the file. */
export type Expecting = "key" | "colon" | "value" | "comma-or-close" | "nothing";

export interface OpenBracket extends Place {
  bracket: "{" | "[";
  expecting: Exclude<Expecting, "nothing">;
}

export interface Json5Structure {
  /** Innermost last. */
  open: OpenBracket[];
  /** At the top: "value" before the config starts, "nothing" once it has ended. */
  top: "value" | "nothing";
  /** Where the top-level value ended (its last character), once it has. */
  endedAt?: Place;
  /** The last complete value or key before the position: where it ends, and its text when it is a name. */
  lastToken?: Place & { text: string; kind: "word" | "string" | "close" };
  /** Where the last `:` or `,` was, for "missing after" hints. */
  lastPunctuation?: Place & { character: ":" | "," };
  /** The position is inside a string or a comment that is not closed. */
  inside?: "string" | "comment";
  /** Where that string or comment started. */
  insideFrom?: Place;
}

const PUNCTUATION = new Set(["{", "}", "[", "]", ":", ","]);

/** Reads `text` up to (not including) line:column, which counts from 1 in characters. */
export function json5StructureAt(text: string, line: number, column: number): Json5Structure {
  const characters = [...text];
  const state: Json5Structure = { open: [], top: "value" };
  let index = 0;
  let current: Place = { line: 1, column: 1 };
  const before = (place: Place): boolean => place.line < line || (place.line === line && place.column < column);
  const advance = (): string => {
    const character = characters[index++] ?? "";
    current = character === "\n" ? { line: current.line + 1, column: 1 } : { line: current.line, column: current.column + 1 };
    return character;
  };
  const peek = (offset = 0): string | undefined => characters[index + offset];

  while (index < characters.length && before(current)) {
    const start = { ...current };
    const character = advance();
    if (/\s/u.test(character) || character === "\uFEFF") continue;
    if (character === "/" && (peek() === "/" || peek() === "*")) {
      const block = advance() === "*";
      let closed = false;
      while (index < characters.length && before(current)) {
        const next = advance();
        if (!block && next === "\n") {
          closed = true;
          break;
        }
        if (block && next === "*" && peek() === "/") {
          advance();
          closed = true;
          break;
        }
      }
      if (block && !closed) return { ...state, inside: "comment", insideFrom: start };
      continue;
    }
    if (character === '"' || character === "'") {
      let closed = false;
      let value = "";
      while (index < characters.length && before(current)) {
        const next = advance();
        if (next === "\\") {
          value += advance();
          continue;
        }
        if (next === character) {
          closed = true;
          break;
        }
        value += next;
      }
      if (!closed) return { ...state, inside: "string", insideFrom: start };
      token(state, { ...current, column: current.column - 1 }, value, "string");
      continue;
    }
    if (PUNCTUATION.has(character)) {
      punctuation(state, character, start);
      continue;
    }
    // A name, number or literal: everything up to whitespace, punctuation, a quote or a comment.
    let word = character;
    while (index < characters.length && before(current)) {
      const next = peek() ?? "";
      if (next === "" || /\s/u.test(next) || PUNCTUATION.has(next) || next === '"' || next === "'" || (next === "/" && (peek(1) === "/" || peek(1) === "*"))) break;
      word += advance();
    }
    token(state, { ...current, column: current.column - 1 }, word, "word");
  }
  return state;
}

function token(state: Json5Structure, end: Place, text: string, kind: "word" | "string" | "close"): void {
  state.lastToken = { ...end, text, kind };
  const frame = state.open[state.open.length - 1];
  if (!frame) {
    state.top = "nothing";
    state.endedAt = end;
    return;
  }
  if (frame.expecting === "key") frame.expecting = "colon";
  else if (frame.expecting === "value") frame.expecting = "comma-or-close";
}

function punctuation(state: Json5Structure, character: string, place: Place): void {
  const frame = state.open[state.open.length - 1];
  if (character === "{" || character === "[") {
    state.open.push({ ...place, bracket: character, expecting: character === "{" ? "key" : "value" });
    return;
  }
  if (character === "}" || character === "]") {
    state.open.pop();
    // The closed object or array is a complete value of whatever holds it.
    token(state, place, character, "close");
    return;
  }
  if (!frame) return;
  if (character === ":") {
    frame.expecting = "value";
    state.lastPunctuation = { ...place, character };
  } else {
    frame.expecting = frame.bracket === "{" ? "key" : "value";
    state.lastPunctuation = { ...place, character: "," };
  }
}

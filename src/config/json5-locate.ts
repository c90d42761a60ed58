/**
 * Where each key and array element of a JSON5 text sits, so that errors found after parsing (schema,
 * references) can name a line. Runs only on text that JSON5 already parsed, so it can be lenient.
 */
export interface TextPosition {
  line: number;
  column: number;
}

type Token =
  | { type: "punct"; value: string; position: TextPosition }
  | { type: "string"; value: string; position: TextPosition }
  | { type: "word"; value: string; position: TextPosition };

export type ConfigPath = readonly (string | number)[];

export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

/** A key written twice in one object: JSON5 keeps the last value, silently. */
export interface DuplicateKey {
  /** The path of the key (the value kept is the later one). */
  path: ConfigPath;
  first: TextPosition;
  later: TextPosition;
}

/** A map from `pathKey(path)` to the position of that key (object member) or element (array item); a key written twice is at its later place, whose value JSON5 keeps. */
export function locatePaths(text: string): Map<string, TextPosition> {
  return scan(text).positions;
}

/** Every key written more than once in the same object, at any level (each repeat with the place it was first written). */
export function duplicateKeys(text: string): DuplicateKey[] {
  return scan(text).duplicates;
}

function scan(text: string): { positions: Map<string, TextPosition>; duplicates: DuplicateKey[] } {
  const tokens = tokenize(text);
  const positions = new Map<string, TextPosition>();
  const duplicates: DuplicateKey[] = [];
  let index = 0;

  const parseValue = (path: (string | number)[]): void => {
    const token = tokens[index];
    if (!token) return;
    if (token.type === "punct" && token.value === "{") {
      index++;
      const written = new Map<string, TextPosition>();
      while (index < tokens.length) {
        const keyToken = tokens[index];
        if (!keyToken) return;
        if (keyToken.type === "punct" && keyToken.value === "}") {
          index++;
          return;
        }
        if (keyToken.type === "punct" && keyToken.value === ",") {
          index++;
          continue;
        }
        const key = keyToken.value;
        const first = written.get(key);
        if (first) duplicates.push({ path: [...path, key], first, later: keyToken.position });
        else written.set(key, keyToken.position);
        positions.set(pathKey([...path, key]), keyToken.position);
        index++; // key
        if (tokens[index]?.value === ":") index++;
        parseValue([...path, key]);
      }
      return;
    }
    if (token.type === "punct" && token.value === "[") {
      index++;
      let element = 0;
      while (index < tokens.length) {
        const next = tokens[index];
        if (!next) return;
        if (next.type === "punct" && next.value === "]") {
          index++;
          return;
        }
        if (next.type === "punct" && next.value === ",") {
          index++;
          continue;
        }
        positions.set(pathKey([...path, element]), next.position);
        parseValue([...path, element]);
        element++;
      }
      return;
    }
    index++; // a scalar: string, number, word, or a sign followed by a number
    if (token.type === "punct" && (token.value === "+" || token.value === "-")) index++;
  };

  parseValue([]);
  return { positions, duplicates };
}

/** The position of `path`, or of its nearest ancestor that the text has. */
export function positionOf(positions: Map<string, TextPosition>, path: ConfigPath): TextPosition | undefined {
  for (let length = path.length; length > 0; length--) {
    const found = positions.get(pathKey(path.slice(0, length)));
    if (found) return found;
  }
  return undefined;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const here = (): TextPosition => ({ line, column: i - lineStart + 1 });
  const newline = (at: number): void => {
    line++;
    lineStart = at + 1;
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (char === "\n") {
      newline(i);
      i++;
    } else if (/\s/.test(char) || char === "\uFEFF") {
      i++;
    } else if (char === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (char === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < text.length && !(text[i] === "*" && text[i + 1] === "/")) {
        if (text[i] === "\n") newline(i);
        i++;
      }
      i += 2;
    } else if (char === '"' || char === "'") {
      const position = here();
      let value = "";
      i++;
      while (i < text.length && text[i] !== char) {
        if (text[i] === "\\") {
          const escaped = text[i + 1] ?? "";
          if (escaped === "\n") newline(i + 1);
          const hex = escaped === "u" ? /^[0-9A-Fa-f]{4}/.exec(text.slice(i + 2, i + 6)) : escaped === "x" ? /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 2, i + 4)) : null;
          value += hex ? String.fromCharCode(Number.parseInt(hex[0], 16)) : unescape(escaped);
          i += 2 + (hex ? hex[0].length : 0);
        } else {
          value += text[i];
          i++;
        }
      }
      i++;
      tokens.push({ type: "string", value, position });
    } else if ("{}[]:,+-".includes(char)) {
      tokens.push({ type: "punct", value: char, position: here() });
      i++;
    } else {
      const position = here();
      let value = "";
      while (i < text.length && !/[\s{}[\]:,"'/]/.test(text[i] as string)) {
        value += text[i];
        i++;
      }
      if (value === "") i++;
      else tokens.push({ type: "word", value, position });
    }
  }
  return tokens;
}

function unescape(escaped: string): string {
  const table: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "0": "\0", "\n": "" };
  return table[escaped] ?? escaped;
}

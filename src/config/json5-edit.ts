import { locatePaths, pathKey, type ConfigPath, type TextPosition } from "./json5-locate.js";

/**
 * Small edits to a JSON5 text that keep everything else as it was (comments, order, layout): find
 * where an object or array opens, and insert members right after it. Runs on text JSON5 parsed.
 */
export interface OpenedValue {
  /** Offset just after the `{` or `[`. */
  inside: number;
  /** The indentation of the line the value's key is on (or of the value itself, at the top). */
  indent: string;
  /** Whether the value holds nothing yet (only whitespace and comments before its closing bracket). */
  empty: boolean;
}

/** Where the object or array at `path` opens; undefined when the text has no such key or its value is not an object/array. */
export function openedValue(text: string, path: ConfigPath): OpenedValue | undefined {
  let offset: number;
  let indent: string;
  if (path.length === 0) {
    offset = skipSpace(text, 0);
    indent = "";
  } else {
    const position = locatePaths(text).get(pathKey(path));
    if (!position) return undefined;
    const keyStart = offsetOf(text, position);
    indent = /^[ \t]*/.exec(text.slice(lineStart(text, keyStart)))?.[0] ?? "";
    offset = skipSpace(text, skipToken(text, keyStart));
    if (text[offset] !== ":") return undefined;
    offset = skipSpace(text, offset + 1);
  }
  const opener = text[offset];
  if (opener !== "{" && opener !== "[") return undefined;
  const next = skipSpace(text, offset + 1);
  return { inside: offset + 1, indent, empty: text[next] === (opener === "{" ? "}" : "]") };
}

/**
 * Inserts `lines` (already indented one level below `value.indent`) as the first members of the
 * opened value; each line block should end with a comma (JSON5 allows the trailing one).
 */
export function insertMembers(text: string, value: OpenedValue, block: string): string {
  // Empty: the closing bracket on its own line. Members written on the opening's line (`[{ id: "x" }]`): they move to a line of their own after the new ones.
  const rest = text.slice(value.inside);
  const closing = value.empty ? `\n${value.indent}` : /^[ \t]*(\n|\/\/)/.test(rest) ? "" : `\n${value.indent}  `;
  return `${text.slice(0, value.inside)}\n${block}${closing}${closing === "" ? rest : rest.replace(/^[ \t]+/, "")}`;
}

/** Replaces the string value at `path` (a member whose value is a quoted string); undefined when the text has no such member or its value is not a string. */
export function replaceString(text: string, path: ConfigPath, value: string): string | undefined {
  if (path.length === 0) return undefined;
  const position = locatePaths(text).get(pathKey(path));
  if (!position) return undefined;
  let offset = skipSpace(text, skipToken(text, offsetOf(text, position)));
  if (text[offset] !== ":") return undefined;
  offset = skipSpace(text, offset + 1);
  if (text[offset] !== '"' && text[offset] !== "'") return undefined;
  return `${text.slice(0, offset)}${JSON.stringify(value)}${text.slice(skipToken(text, offset))}`;
}

/** A JSON5 rendering of a plain value: identifier keys unquoted, two-space indentation from `indent`. */
export function renderJson5(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((item) => typeof item !== "object" || item === null)) return `[${value.map((item) => renderJson5(item, indent)).join(", ")}]`;
    return `[\n${value.map((item) => `${indent}  ${renderJson5(item, `${indent}  `)},`).join("\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([key, member]) => `${indent}  ${renderKey(key)}: ${renderJson5(member, `${indent}  `)},`).join("\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** An object key as JSON5 writes it: bare where it is an identifier, quoted otherwise (`"vllm-8001"`). */
export function renderKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key);
}

function offsetOf(text: string, position: TextPosition): number {
  let line = 1;
  let offset = 0;
  while (line < position.line) {
    const next = text.indexOf("\n", offset);
    if (next < 0) break;
    offset = next + 1;
    line++;
  }
  return offset + position.column - 1;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** Past one key token: a quoted string or a bare word. */
function skipToken(text: string, offset: number): number {
  const quote = text[offset];
  if (quote === '"' || quote === "'") {
    let i = offset + 1;
    while (i < text.length && text[i] !== quote) i += text[i] === "\\" ? 2 : 1;
    return i + 1;
  }
  let i = offset;
  while (i < text.length && !/[\s:/]/.test(text[i] as string)) i++;
  return i;
}

/** Past whitespace and comments. */
function skipSpace(text: string, offset: number): number {
  let i = offset;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char) || char === "\uFEFF") i++;
    else if (char === "/" && text[i + 1] === "/") while (i < text.length && text[i] !== "\n") i++;
    else if (char === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else break;
  }
  return i;
}

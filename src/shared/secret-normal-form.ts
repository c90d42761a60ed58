/**
 * The normal form the secret redactor matches in: text with its escapes decoded (`%2D`, `\u002d`,
 * `\x2d` → `-`) and its separators dropped (white space, line breaks, `\n`/`\r`/`\t` escapes, `:`),
 * so that a secret a server or tool wrote escaped, spaced out (`s k - a b c`), wrapped (base64 every
 * 64 or 76 characters) or as separated hex (`de:ad:be:ef`, `de ad be ef`, `\x41\x42`) reads as the
 * secret, its hex or its base64 written out whole. Both a secret's forms and the text are put in
 * this form, so a match in it is a match of the text's characters, which `mappedNormalForm` maps back.
 */

/** An escape: a percent-encoded byte, a JSON/JavaScript `\uXXXX` or `\xXX`, or a `\n` `\r` `\t` (a separator). */
const ESCAPE = /%[0-9A-Fa-f]{2}|\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrt])/g;
/** The same, anchored where it is tried (the mapped form walks the text). */
const ESCAPE_AT = /%[0-9A-Fa-f]{2}|\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrt])/y;
/** UTF-16 code units back into a string: faster, on long text, than a replace that drops thousands of separators. */
const UTF16 = new TextDecoder("utf-16le");
/** The beginning of an escape at the end of a piece of a stream: the next piece may complete it. */
const ESCAPE_BEGUN = /(?:%[0-9A-Fa-f]?|\\(?:u[0-9A-Fa-f]{0,3}|x[0-9A-Fa-f]?)?)$/;

/** The text in normal form (no map back: to learn whether anything matches at all, cheaply). */
export function normalForm(text: string): string {
  const decoded = text.includes("%") || text.includes("\\") ? text.replace(ESCAPE, decodeEscape) : text;
  const kept = new Uint16Array(decoded.length);
  let length = 0;
  for (let index = 0; index < decoded.length; index++) {
    const code = decoded.charCodeAt(index);
    if (!isSeparator(code)) kept[length++] = code;
  }
  return length === decoded.length ? decoded : UTF16.decode(kept.subarray(0, length));
}

/** Only the escapes decoded, separators kept (a span compared with a secret as written). */
export function decodeEscapes(text: string): string {
  return text.includes("%") || text.includes("\\") ? text.replace(ESCAPE, decodeEscape) : text;
}

/** The normal form with, for each of its characters, the span of the text it comes from. */
export interface MappedNormalForm {
  text: string;
  /** Where in the original text character i of `text` begins. */
  starts: number[];
  /** Where in the original text character i of `text` ends (past its escape, if it was one). */
  ends: number[];
}

export function mappedNormalForm(text: string): MappedNormalForm {
  const chars: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 0x25 || code === 0x5c) {
      ESCAPE_AT.lastIndex = at;
      const escape = ESCAPE_AT.exec(text);
      if (escape) {
        const end = at + escape[0].length;
        const decoded = decodeEscape(escape[0]);
        if (decoded.length > 1) {
          // A percent-encoded byte past ASCII stays as written (decodeEscape keeps it), character by character.
          for (let index = at; index < end; index++) {
            chars.push(text.charAt(index));
            starts.push(index);
            ends.push(index + 1);
          }
        } else if (!isSeparator(decoded.charCodeAt(0))) {
          chars.push(decoded);
          starts.push(at);
          ends.push(end);
        }
        at = end;
        continue;
      }
    }
    if (!isSeparator(code)) {
      chars.push(text.charAt(at));
      starts.push(at);
      ends.push(at + 1);
    }
    at++;
  }
  return { text: chars.join(""), starts, ends };
}

/** Where an escape begins at the end of `text` that the next piece of a stream may complete; undefined when none does. */
export function escapeBegunAt(text: string): number | undefined {
  const begun = ESCAPE_BEGUN.exec(text);
  return begun ? begun.index : undefined;
}

function decodeEscape(escape: string): string {
  if (escape.charCodeAt(0) === 0x25) {
    const code = Number.parseInt(escape.slice(1), 16);
    // Past ASCII a byte is part of a UTF-8 sequence, not a character of its own: left as written.
    return code < 0x80 ? String.fromCharCode(code) : escape;
  }
  const kind = escape.charAt(1);
  if (kind === "u" || kind === "x") return String.fromCharCode(Number.parseInt(escape.slice(2), 16));
  return "\n";
}

/** White space (what `\s` matches) or `:`. */
function isSeparator(code: number): boolean {
  if (code < 0x80) return code === 0x20 || code === 0x3a || (code >= 0x09 && code <= 0x0d);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

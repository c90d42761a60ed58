/**
 * The normal form the secret redactor matches in: text with its escapes decoded and its separators
 * dropped, so that a secret a server or tool wrote escaped, spaced out (`s k - a b c`), joined
 * (`s-k-a-b-c`, `s.k.a.b.c`, zero-width characters between), wrapped (base64 every 64 or 76
 * characters) or as separated hex (`de:ad:be:ef`, `de ad be ef`, `de-ad-be-ef`, `\x41\x42`,
 * `0x41, 0x42`) reads as the secret, its hex or its base64 written out whole. Both a secret's forms
 * and the text are put in this form, so a match in it is a match of the text's characters, which
 * `mappedNormalForm` maps back.
 *
 * Escapes decoded: percent-encoded bytes, also encoded twice or more (`%2D`, `%252D`); JSON and
 * JavaScript `\uXXXX` and `\xXX`, and C and shell octal `\163` (`$'\163\153'`, printf), also with
 * their backslash escaped (`\\x2d`, a JSON string of them); HTML and XML character references, numeric (`&#45;`, `&#x2d;`) and the named ones of ASCII
 * characters (`&amp;`, `&sol;`, `&lowbar;`, …), also escaped twice (`&amp;#45;`); and C-style byte
 * lists (`0x73, 0x6b`: a byte beside another, the comma taken with it; a lone `0x1f` stays). Separators dropped: white space, line breaks, `\n`
 * `\r` `\t` escapes and `:` everywhere; zero-width characters (U+200B-U+200D, U+2060, U+FEFF), which
 * nothing shows, everywhere — a character with them beside it still reads as joined to its
 * neighbours; and `-` `.` `_` only where they join a run of single characters, hex pairs or hex
 * groups of four, eight pieces or more, one joiner throughout (`c-a-n-a-r-y`, `de.ad.be.ef…`) — a
 * value's own dashes stay where the run's joiner does not stand (`y---S`: the middle one is the value's).
 */

/** One escape: percent (any number of times), `\u` `\x` `\ooo` (any number of backslashes), an HTML reference (any number of `&amp;`), a byte of a C list (`0x73, 0x6b`: one beside another, its comma with it; where a stream's text ends, another may follow), or a `\n` `\r` `\t` (a separator). */
const ESCAPE_SOURCE = String.raw`%(?:25)*[0-9A-Fa-f]{2}|\\+(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[0-3][0-7]{2}|[nrt])|&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});|(?<![0-9A-Za-z_])0[xX][0-9A-Fa-f]{2}(?:,(?=\s*(?:0[xX][0-9A-Fa-f]{0,2}(?![0-9A-Za-z_])|$))|(?<=0[xX][0-9A-Fa-f]{2},\s*0[xX][0-9A-Fa-f]{2})(?![0-9A-Za-z_]))`;
const ESCAPE = new RegExp(ESCAPE_SOURCE, "g");
/** The same, anchored where it is tried (the mapped form walks the text). */
const ESCAPE_AT = new RegExp(ESCAPE_SOURCE, "y");
/** The beginning of an escape at the end of a piece of a stream: the next piece may complete it. */
const ESCAPE_BEGUN = /(?:%(?:25)*[0-9A-Fa-f]?|\\+(?:u[0-9A-Fa-f]{0,3}|x[0-9A-Fa-f]?|[0-3][0-7]?)?|&(?:amp;)*(?:#[xX]?[0-9A-Fa-f]{0,7}|[A-Za-z]{0,8})|(?<![0-9A-Za-z_])0(?:[xX][0-9A-Fa-f]{0,2})?)$/;
/** What may start an escape: a text without any of these holds none (the common case, tested first). */
const ESCAPE_START = /[%\\&]|0[xX]/;
/** Runs joined by one of `-` `.` `_`: single characters, hex pairs, hex groups of four (the last maybe shorter: an odd byte out), eight pieces or more. */
const JOINED_RUN = /[^\s\-._]([-._])(?:[^\s]\1){6,}[^\s]|[0-9A-Fa-f]{2}([-._])(?:[0-9A-Fa-f]{2}\2){6,}[0-9A-Fa-f]{1,2}(?![0-9A-Fa-f])|[0-9A-Fa-f]{4}([-._])(?:[0-9A-Fa-f]{4}\3){6,}[0-9A-Fa-f]{1,4}(?![0-9A-Fa-f])/g;
/** Seven joiners each after a piece of one, two or four characters (a cheap test before JOINED_RUN, whose same-joiner back-references cost a scan ten times over). */
const JOINED_GATE = /[-._](?:[^\s][-._]|[0-9A-Fa-f]{2}[-._]|[0-9A-Fa-f]{4}[-._]){6}/;
/** The pieces of a joined run, one or more, each with its joiner after it, and a last piece or a part of one: a run that may be begun at the end of a piece of a stream. */
const JOINED_PIECES = String.raw`[^\s\-._]([-._])(?:[^\s]\1)*[^\s]?|[0-9A-Fa-f]{2}([-._])(?:[0-9A-Fa-f]{2}\2)*(?:[0-9A-Fa-f]{1,2})?|[0-9A-Fa-f]{4}([-._])(?:[0-9A-Fa-f]{4}\3)*(?:[0-9A-Fa-f]{1,4})?`;
const JOINED_BEGUN = new RegExp(`(?:${JOINED_PIECES})$`);
const JOINED_BEGUN_PIECES = new RegExp(JOINED_PIECES, "g");
/** HTML's named references of ASCII characters (the ones a key's characters can be written as), by name. */
const NAMED_REFERENCES: ReadonlyMap<string, string> = new Map([
  ["amp", "&"], ["lt", "<"], ["gt", ">"], ["quot", '"'], ["apos", "'"], ["sol", "/"], ["bsol", "\\"], ["plus", "+"], ["equals", "="],
  ["lowbar", "_"], ["UnderBar", "_"], ["period", "."], ["comma", ","], ["colon", ":"], ["semi", ";"], ["excl", "!"], ["quest", "?"],
  ["num", "#"], ["dollar", "$"], ["percnt", "%"], ["ast", "*"], ["midast", "*"], ["commat", "@"], ["Hat", "^"], ["grave", "`"],
  ["DiacriticalGrave", "`"], ["verbar", "|"], ["vert", "|"], ["VerticalLine", "|"], ["lpar", "("], ["rpar", ")"], ["lsqb", "["],
  ["lbrack", "["], ["rsqb", "]"], ["rbrack", "]"], ["lcub", "{"], ["lbrace", "{"], ["rcub", "}"], ["rbrace", "}"], ["tilde", "~"],
  ["nbsp", "\u00a0"], ["Tab", "\t"], ["NewLine", "\n"],
]);
/** UTF-16 code units back into a string: faster, on long text, than a replace that drops thousands of separators. */
const UTF16 = new TextDecoder("utf-16le");

/** The text in normal form (no map back: to learn whether anything matches at all, cheaply). */
export function normalForm(text: string): string {
  const decoded = decodeEscapes(text);
  const joiners = JOINED_GATE.test(decoded) ? joinerPositions(decoded, JOINED_RUN) : undefined;
  const kept = new Uint16Array(decoded.length);
  let length = 0;
  for (let index = 0; index < decoded.length; index++) {
    const code = decoded.charCodeAt(index);
    if (!isSeparator(code) && !isInvisible(code) && !joiners?.has(index)) kept[length++] = code;
  }
  return length === decoded.length ? decoded : UTF16.decode(kept.subarray(0, length));
}

/** Only the escapes decoded, separators kept (a span compared with a secret as written; the text a cheap test looks at). */
export function decodeEscapes(text: string): string {
  return ESCAPE_START.test(text) ? text.replace(ESCAPE, decodeEscape) : text;
}

/** The normal form with, for each of its characters, the span of the text it comes from. */
export interface MappedNormalForm {
  text: string;
  /** Where in the original text character i of `text` begins. */
  starts: number[];
  /** Where in the original text character i of `text` ends (past its escape, if it was one, and past zero-width characters after it). */
  ends: number[];
}

/**
 * The normal form mapped back to the text. `streamed`: the text is a stream's so far, so the joiners
 * of a joined run begun at its end (one piece and its joiner or more) are dropped too — the run may
 * reach eight pieces in the next piece of the stream (a caller looks at the text both ways: the
 * joiner may as well be a value's own).
 */
export function mappedNormalForm(text: string, streamed = false): MappedNormalForm {
  let kept = "";
  const starts: number[] = [];
  const ends: number[] = [];
  let joiners = JOINED_GATE.test(text) ? joinerPositions(text, JOINED_RUN) : undefined;
  if (streamed) {
    const begun = JOINED_BEGUN.exec(text);
    if (begun) for (const at of joinerPositions(begun[0], JOINED_BEGUN_PIECES) ?? []) (joiners ??= new Set()).add(begun.index + at);
  }
  // Called on every piece of a stream: no closure or array of characters made per call (the characters kept are appended, run by run).
  let runStart = -1;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 0x25 || code === 0x5c || code === 0x26 || code === 0x30) {
      ESCAPE_AT.lastIndex = at;
      const escape = ESCAPE_AT.exec(text);
      if (escape) {
        if (runStart >= 0) kept += text.slice(runStart, at);
        runStart = -1;
        const end = at + escape[0].length;
        const decoded = decodeEscape(escape[0]);
        if (decoded.length > 1) {
          // A percent-encoded byte past ASCII stays as written (decodeEscape keeps it), character by character.
          kept += text.slice(at, end);
          for (let index = at; index < end; index++) {
            starts.push(index);
            ends.push(index + 1);
          }
        } else if (isInvisible(decoded.charCodeAt(0))) {
          if (ends.length > 0 && ends[ends.length - 1] === at) ends[ends.length - 1] = end;
        } else if (!isSeparator(decoded.charCodeAt(0))) {
          kept += decoded;
          starts.push(at);
          ends.push(end);
        }
        at = end;
        continue;
      }
    }
    if (isInvisible(code)) {
      // Nothing shows it: the character before still reads as joined to the one after.
      if (ends.length > 0 && ends[ends.length - 1] === at) ends[ends.length - 1] = at + 1;
      if (runStart >= 0) kept += text.slice(runStart, at);
      runStart = -1;
    } else if (!isSeparator(code) && !(joiners?.has(at) ?? false)) {
      if (runStart < 0) runStart = at;
      starts.push(at);
      ends.push(at + 1);
    } else {
      if (runStart >= 0) kept += text.slice(runStart, at);
      runStart = -1;
    }
    at++;
  }
  if (runStart >= 0) kept += text.slice(runStart, at);
  return { text: kept, starts, ends };
}

/** Where an escape begins at the end of `text` that the next piece of a stream may complete; undefined when none does. */
export function escapeBegunAt(text: string): number | undefined {
  const begun = ESCAPE_BEGUN.exec(text);
  return begun ? begun.index : undefined;
}

/** Whether a joined run may be begun at the end of `text` (a stream's so far): one piece and its joiner, or more. */
export function joinedRunBegun(text: string): boolean {
  return JOINED_BEGUN.test(text);
}

/** White space (what `\s` matches, but U+FEFF: invisible) or `:`. */
export function isSeparator(code: number): boolean {
  if (code < 0x80) return code === 0x20 || code === 0x3a || (code >= 0x09 && code <= 0x0d);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/** A zero-width character: U+200B-U+200D, U+2060, U+FEFF. */
export function isInvisible(code: number): boolean {
  return (code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff;
}

/** The positions of the joiners of the joined runs `pattern` (global) finds in `text`; undefined when there are none. */
function joinerPositions(text: string, pattern: RegExp): Set<number> | undefined {
  if (!text.includes("-") && !text.includes(".") && !text.includes("_")) return undefined;
  let positions: Set<number> | undefined;
  pattern.lastIndex = 0;
  for (const run of text.matchAll(pattern)) {
    const joiner = (run[1] ?? run[2] ?? run[3]) as string;
    // The piece length: the run's first joiner stands right after its first piece.
    const piece = run[0].indexOf(joiner, 1);
    positions ??= new Set();
    for (let index = piece; index < run[0].length; index += piece + 1) positions.add(run.index + index);
  }
  return positions;
}

/** The escape that starts at `at` in `text`, if one does. */
export function escapeAt(text: string, at: number): string | undefined {
  ESCAPE_AT.lastIndex = at;
  return ESCAPE_AT.exec(text)?.[0];
}

/** The character an escape stands for; a percent-encoded byte past ASCII (part of a UTF-8 sequence) and an unknown or astral reference as written. */
export function decodeEscape(escape: string): string {
  const first = escape.charCodeAt(0);
  if (first === 0x25) {
    const code = Number.parseInt(escape.slice(-2), 16);
    // Past ASCII a byte is part of a UTF-8 sequence, not a character of its own: left as written.
    return code < 0x80 ? String.fromCharCode(code) : escape;
  }
  if (first === 0x26) {
    // `&amp;amp;#45;`: the reference is what follows the last `amp;`.
    const body = escape.slice(1, -1);
    const reference = body.slice(body.lastIndexOf(";") + 1);
    if (reference.charCodeAt(0) !== 0x23) return NAMED_REFERENCES.get(reference) ?? escape;
    const code = reference.charAt(1) === "x" || reference.charAt(1) === "X" ? Number.parseInt(reference.slice(2), 16) : Number.parseInt(reference.slice(1), 10);
    // Past the first plane a character is two code units: left as written, as the mapped form keeps it.
    return code <= 0xffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCharCode(code) : escape;
  }
  if (first === 0x30) return String.fromCharCode(Number.parseInt(escape.slice(2, 4), 16));
  const body = escape.replace(/^\\+/, "");
  const kind = body.charAt(0);
  if (kind === "u" || kind === "x") return String.fromCharCode(Number.parseInt(body.slice(1), 16));
  if (kind >= "0" && kind <= "3") return String.fromCharCode(Number.parseInt(body, 8));
  return "\n";
}

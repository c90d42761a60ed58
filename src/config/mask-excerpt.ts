import { REDACTED, SecretRedactor } from "../shared/secret-redactor.js";
import { escapeControlCharacters } from "../shared/text.js";

/** A name whose value is a secret, then `:` or `=` (or only spaces before a quote): `apiKey:`, `ANTHROPIC_API_KEY=`, `token "…"`. */
const SECRET_ASSIGNMENT = /([\w$-]*(?:key|token|secret|password|passwd|passphrase|authorization|credentials?|cookie)["']?\s*(?:[:=]\s*|\s+(?=["'])))(.*)$/i;
/** Same, at the end of a line: the value follows on the next one. */
const SECRET_NAME_AT_END = /[\w$-]*(?:key|token|secret|password|passwd|passphrase|authorization|credentials?|cookie)["']?\s*[:=]?\s*$/i;
/** A `/* … *\/` comment that opens and closes on one line. */
const INLINE_BLOCK_COMMENT = /\/\*.*?\*\//g;
/**
 * A URL's user-info (`scheme://user:password@`, `scheme://token@`): credentials wherever a URL stands on the line —
 * up to the last `@` before the host's end, so a password holding a raw `@` or a quote (one that broke the line's
 * syntax) is hidden whole; more is hidden rather than less.
 */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;
/** Long random-looking runs (upper and lower case and digits): keys whatever their prefix. */
const HIGH_ENTROPY = /[A-Za-z0-9_+/=-]{32,}/g;

/** A run of key characters with a piece of 20 or more that mixes upper case, lower case and digits. */
const RANDOM_TOKEN = /[A-Za-z0-9_+/=.-]{20,}/g;

/**
 * `text` with random-looking tokens masked wherever they stand: a key pasted into the wrong field
 * (`baseUrl: "<key>"`) or used as a name is echoed by the error about it. A token counts when one of
 * its pieces (between `-`, `_`, `.`, `/`) is 20 characters or more with upper case, lower case
 * and digits, so model names (`Qwen3-Coder-30B-A3B-Instruct-GGUF`) and paths stay readable.
 */
export function maskRandomTokens(text: string): string {
  return text.replace(RANDOM_TOKEN, (run) => (run.split(/[-_./]/).some((piece) => piece.length >= 20 && /[a-z]/.test(piece) && /[A-Z]/.test(piece) && /\d/.test(piece)) ? REDACTED : run));
}

/** `text` with the user-info of every URL in it shown as `***` (`http://***@host`). */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_USER_INFO, `$1${REDACTED}@`);
}

/**
 * One line of a config (or whatever file --config named) made safe to print: secret values masked
 * whether they follow their key on the line or sit alone on the next, the user-info of any URL
 * (`http://user:password@host`), key-shaped tokens and long random-looking strings masked, control
 * characters shown escaped.
 */
export function maskExcerptLine(lines: readonly string[], index: number): string {
  const line = (lines[index] ?? "").replace(/\t/g, " ");
  const previous = previousCode(lines, index);
  let shown: string;
  if (previous !== undefined && SECRET_NAME_AT_END.test(previous)) {
    const indent = /^\s*/.exec(line)?.[0] ?? "";
    shown = line.trim() === "" ? line : `${indent}${REDACTED}`;
  } else {
    // Matched with inline comments blanked (same length), so `apiKey /* c */ : "…"` is an assignment too.
    const assignment = SECRET_ASSIGNMENT.exec(line.replace(INLINE_BLOCK_COMMENT, (comment) => " ".repeat(comment.length)));
    const key = assignment?.[1] ?? "";
    const valueShown = assignment !== null && (assignment[2] ?? "").trim() !== "";
    shown = valueShown ? `${line.slice(0, assignment.index + key.length)}${REDACTED}` : line;
  }
  shown = new SecretRedactor().redact(maskUrlCredentials(shown)).replace(HIGH_ENTROPY, (run) => (/[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run) ? REDACTED : run));
  return escapeControlCharacters(shown);
}

/**
 * The code of the nearest line above `index` that has any, comments taken out: a comment or a blank
 * line between a secret's key and its value must not hide that the value is a secret.
 */
function previousCode(lines: readonly string[], index: number): string | undefined {
  let inBlockComment = false;
  for (let at = index - 1; at >= 0; at--) {
    let text = lines[at] ?? "";
    if (inBlockComment) {
      const open = text.lastIndexOf("/*");
      if (open < 0) continue;
      text = text.slice(0, open);
      inBlockComment = false;
    }
    text = text.replace(INLINE_BLOCK_COMMENT, " ");
    const close = text.lastIndexOf("*/");
    if (close >= 0) {
      // Going upwards, an unopened `*/` ends a comment that began on an earlier line.
      const after = withoutLineComment(text.slice(close + 2));
      if (after.trim() !== "") return after;
      inBlockComment = true;
      continue;
    }
    const code = withoutLineComment(text);
    if (code.trim() !== "") return code;
  }
  return undefined;
}

const withoutLineComment = (text: string): string => text.replace(/(^|[\s,:{[])\/\/.*$/, "$1");

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- escaping them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * One word of a command line the user pastes into a POSIX shell (sh, bash, zsh): left as it is when
 * it holds only characters no shell treats specially, else in single quotes (a `'` inside as `'\''`).
 * Every command hearth prints for pasting — fixes, hints, "run: …" — quotes its paths and arguments
 * here, so a HOME or a config path with a space, a `$` or a `[` pastes as one word. A word with a control
 * character (a terminal escape sequence in a file name) is written `$'…'` (bash, zsh), the character as
 * `\xHH` / `\uHHHH`: never raw on the terminal, and pasted it is the same word.
 */
export function shellQuote(word: string): string {
  if (word !== "" && /^[\w@%+=:,./-]+$/.test(word)) return word;
  // A control character (an escape sequence in a file name) is never printed raw: bash's and zsh's $'…' spell it \xHH.
  if (CONTROL.test(word)) return `$'${word.replace(/[\\']/g, "\\$&").replace(CONTROLS, (character) => controlEscape(character.charCodeAt(0)))}'`;
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** A whole command line from its words, each quoted as {@link shellQuote} does. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/** A control character inside `$'…'`: `\x1b` (C0, DEL), `\u0085` (C1: one character, not the byte). */
function controlEscape(code: number): string {
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

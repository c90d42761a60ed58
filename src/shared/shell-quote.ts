/**
 * One word of a command line the user pastes into a POSIX shell (sh, bash, zsh): left as it is when
 * it holds only characters no shell treats specially, else in single quotes (a `'` inside as `'\''`).
 * Every command hearth prints for pasting — fixes, hints, "run: …" — quotes its paths and arguments
 * here, so a HOME or a config path with a space, a `$` or a `[` pastes as one word.
 */
export function shellQuote(word: string): string {
  if (word !== "" && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** A whole command line from its words, each quoted as {@link shellQuote} does. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

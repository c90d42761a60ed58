/** Characters that show nothing: zero-width spaces and joiners, the word joiner, the byte-order mark. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Whether a message says nothing: only whitespace and invisible characters (a message of U+200B alone is empty too). */
export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, "").trim() === "";
}

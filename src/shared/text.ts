/** Removes control characters other than newline and tab (escape sequences, bells, C1 codes). */
export function stripControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

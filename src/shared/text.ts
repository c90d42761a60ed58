/** Removes control characters other than newline and tab (escape sequences, bells, C1 codes). */
export function stripControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Control characters shown, not obeyed: ESC becomes the four characters `\x1b`, a bidi override
 * `\u202e`. For excerpts of files and values echoed back in messages (a config holding escape
 * sequences must not retitle or clear the terminal, and must not hide what it holds either).
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (character) => {
    const code = character.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

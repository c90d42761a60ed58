/** Removes control characters other than newline and tab (escape sequences, bells, C1 codes). */
export function stripControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
}

/**
 * Terminal escape sequences, whole: string commands (OSC: title, clipboard OSC 52, hyperlinks; DCS,
 * APC, PM, SOS) up to their terminator, CSI sequences (colours, cursor, clearing), and two-byte ESC
 * sequences; 7-bit and 8-bit (C1) forms.
 */
// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ESCAPE_SEQUENCE = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[\s\S]*?(?:\u0007|\u001b\\|\u009c)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]|\u001b[\u0020-\u002f]*[\u0030-\u007e]/g;

/**
 * Text as a terminal should show it: escape sequences removed whole (so no stray `]0;title` is
 * left), then every other control character but tab and newline.
 */
export function stripTerminalControls(text: string): string {
  return stripControlCharacters(text.replace(ESCAPE_SEQUENCE, ""));
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

const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Someone else's words as one line of a terminal or a table cell (a WhatsApp name): escape sequences
 * removed whole, line breaks and tabs as one space, other control characters and bidi overrides
 * removed (a name must not erase, recolour or reorder the row it stands in, nor add one).
 */
export function singleLine(text: string): string {
  return stripControlCharacters(text.replace(ESCAPE_SEQUENCE, "").replace(LINE_BREAKS, " "))
    .replace(BIDI_CONTROLS, "")
    .replace(/ {2,}/g, " ")
    .trim();
}

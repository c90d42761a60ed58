/**
 * A command's shape: a slash, then a word (a letter, then letters, digits, `-` or `_`), then a space
 * or the end — `/model x`, `/modle`, `/bogus`. Not a path (`/etc/hosts`, `/usr/bin/env`), not `/`
 * alone or `/ 2`, not `/2`, not a URL: those are messages.
 */
const COMMAND_SHAPE = /^\/[a-z][a-z0-9_-]*(?=\s|$)/i;

/** The command word a message is shaped as (`/modle` of "/modle Spare", lower-cased), or undefined for a plain message. */
export function commandWord(text: string): string | undefined {
  return COMMAND_SHAPE.exec(text.trimStart())?.[0].toLowerCase();
}

/**
 * What a message says: a command's shape with one more slash in front (`//shrug`) is the literal
 * text `/shrug`, the way to send a message that starts with a slash word; any other text is itself.
 */
export function literalText(text: string): string {
  const rest = text.trimStart();
  return rest.startsWith("//") && commandWord(rest.slice(1)) !== undefined ? text.slice(0, text.length - rest.length) + rest.slice(1) : text;
}

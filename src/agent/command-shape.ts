/**
 * A command's shape: on the message's first line, after spaces or tabs at most (a slip of the thumb),
 * a slash, then a word (a letter, then letters, digits, `-` or `_`), then a space or the end —
 * `/model x`, `/modle`, ` /bogus`. Not a path (`/etc/hosts`, `/usr/bin/env`), not `/` alone or `/ 2`,
 * not `/2`, not a URL: those are messages. Nor is a slash word below a blank first line ("\n/new"): a
 * line break before it is the user's own layout, so the message is words to the model, never a command.
 */
const COMMAND_SHAPE = /^[ \t]*(\/[a-z][a-z0-9_-]*)(?=\s|$)/i;

/** The command word a message is shaped as (`/modle` of "/modle Spare", lower-cased), or undefined for a plain message. */
export function commandWord(text: string): string | undefined {
  return COMMAND_SHAPE.exec(text)?.[1]?.toLowerCase();
}

/** A command message from its word on (the spaces or tabs before it dropped), or undefined for a plain message: what a command is read from. */
export function commandText(text: string): string | undefined {
  return commandWord(text) === undefined ? undefined : text.replace(/^[ \t]*/, "");
}

/**
 * What a message says: a command's shape with one more slash in front (`//shrug`) is the literal
 * text `/shrug`, the way to send a message that starts with a slash word; any other text is itself.
 */
export function literalText(text: string): string {
  const rest = text.replace(/^[ \t]*/, "");
  return rest.startsWith("//") && commandWord(rest.slice(1)) !== undefined ? text.slice(0, text.length - rest.length) + rest.slice(1) : text;
}

/** What `/retry` reads after its word: nothing, or a number from 1 (which message without an answer, counted from the latest). */
export const RETRY_COUNT = /^[1-9]\d{0,5}$/;

/**
 * `/retry` alone (1) or `/retry N`: which message without an answer it sends again, counted from the
 * latest; undefined for any other text (`/retry 0`, `/retry x`, lines after it: a command that is refused
 * as such, or a message). The page tells its own typed `/retry` by it, as the gateway does.
 */
export function retryNumber(text: string): number | undefined {
  const words = (commandText(text) ?? "").trim().split(/[ \t]+/);
  if (words[0]?.toLowerCase() !== "/retry" || words.length > 2 || /[\r\n]/.test(text.trim())) return undefined;
  const count = words[1];
  if (count === undefined) return 1;
  return RETRY_COUNT.test(count) ? Number(count) : undefined;
}

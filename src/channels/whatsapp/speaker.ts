import { bareJid } from "./inbound.js";

/** Who wrote a group message, as the channel knows them. */
export interface GroupSpeaker {
  /** The participant's jid. */
  sender: string;
  /** Their number (E.164), when the jids carry one. */
  number: string | undefined;
  /** Their WhatsApp name, already one clean line (inbound.ts cleanName). */
  name: string | undefined;
  /** In `allowFrom` or approved by pairing. */
  allowed: boolean;
}

/** Every way a model may read a line break (the file, group and record separators too: Python's splitlines takes them for one). */
// eslint-disable-next-line no-control-regex -- the separators are control characters: matching them is the point
const LINE_BREAK = /\r\n|[\n\v\f\r\u001c\u001d\u001e\u0085\u2028\u2029]/;

/** How a member who is not on the allowlist is marked to the model. */
export const NOT_ALLOWED_MARK = "[not on the owner's allowlist]";

/**
 * A group message as the model reads it: the speaker by number, their WhatsApp name quoted (a name
 * is whatever its owner typed: "Anna (owner)" is no proof), a member not on the allowlist marked so,
 * then the text, each line after the first indented by two spaces. Only the first line starts at the
 * margin, so no line of one member's text reads as another speaker's.
 */
export function groupMessageText(speaker: GroupSpeaker, text: string): string {
  const who = [speaker.number ?? bareJid(speaker.sender), ...(speaker.name ? [JSON.stringify(speaker.name)] : []), ...(speaker.allowed ? [] : [NOT_ALLOWED_MARK])].join(" ");
  const [first = "", ...rest] = text.split(LINE_BREAK);
  return [`${who}: ${first}`, ...rest.map((line) => `  ${line}`)].join("\n");
}

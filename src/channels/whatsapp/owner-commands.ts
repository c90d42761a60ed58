import { commandText, commandWord } from "../../agent/command-shape.js";

/**
 * The in-chat commands that choose what the owner pays for or shows: `/model` with anything after it (a
 * switch — a paid hosted model too — or the config's list), `/reasoning`, `/compact` (a model call of
 * its own). With `dmPolicy: "open"` anyone who writes is answered; these stay the owner's (t22 #5).
 */
const OWNER_COMMANDS = new Set(["/model", "/reasoning", "/compact"]);

/**
 * The channel's answer to a direct message from a sender let in by `dmPolicy: "open"` alone (neither in
 * `allowFrom` nor approved) that is one of the owner's commands, or undefined: the message goes on as any
 * other. `/model` alone (which model answers) stays everyone's, as do `/help`, `/new`, `/status` and `/retry`.
 */
export function ownerCommandRefusal(text: string): string | undefined {
  const word = commandWord(text);
  if (word === undefined || !OWNER_COMMANDS.has(word)) return undefined;
  if (word === "/model" && (commandText(text) ?? "").trim().toLowerCase() === "/model") return undefined;
  return `Only the owner's numbers (channels.whatsapp.allowFrom) can use ${word} here: nothing was changed. Your messages are answered by the assistant's own model.`;
}

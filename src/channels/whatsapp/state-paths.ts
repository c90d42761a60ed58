import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where the WhatsApp channel keeps its files in the state dir. */
export function whatsappPaths(stateDir: string) {
  const channel = join(stateDir, "channels", "whatsapp");
  return {
    /** Baileys' multi-file auth state (useMultiFileAuthState): the linked device's keys, owner-only. */
    credentials: join(stateDir, "credentials", "whatsapp"),
    /** The running channel's state, read by `hearth channels status`. */
    status: join(channel, "status.json"),
    /** Pairing codes waiting for `hearth pairing approve`, and the numbers approved. */
    pairing: join(channel, "pairing.json"),
    /** Messages taken in but not answered yet (answered after a restart or when a model comes back). */
    pending: join(channel, "pending.json"),
    /** The ids and texts of the assistant's recent messages in groups: what a reply to the assistant is checked against. */
    sent: join(channel, "sent.json"),
  };
}

/** Linked: Baileys' credentials are in the state dir (useMultiFileAuthState keeps them in creds.json). */
export function isLinked(stateDir: string): boolean {
  return existsSync(join(whatsappPaths(stateDir).credentials, "creds.json"));
}

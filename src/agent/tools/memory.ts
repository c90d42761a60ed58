import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import * as z from "zod";
import type { Clock } from "../../shared/clock.js";
import { localTime } from "../../shared/local-time.js";
import type { Tool } from "./tool.js";

const parameters = z.strictObject({
  action: z.enum(["read", "append"]),
  text: z.string().optional().describe("the note to append"),
});

/** The most of the notes one read returns: the newest end. */
export const NOTES_READ_LIMIT = 8_000;
const NOTE_MAX_CHARS = 2_000;

export interface MemoryToolOptions {
  clock?: Pick<Clock, "now"> | undefined;
  /** Masks secrets in a note before it is kept (a key the user told the model is "***" in the notes, as in the session). */
  secrets?: { redact(text: string): string } | undefined;
}

/**
 * The notes file under a state directory. The main agent's notes are `memory/notes.md`; every other
 * agent has its own file, so a local-only agent's notes stay its own. A conversation with someone
 * other than the owner — a WhatsApp chat, a number or a group (session `whatsapp:<jid>`) — keeps notes
 * of its own, `memory/whatsapp/<jid>/`: one sender's notes are never read in another chat, and the
 * owner's (the terminal's, the web chat's) in none (t22 #1).
 */
export function notesPath(stateDir: string, agentId = "main", session?: string): string {
  const file = agentId === "main" ? "notes.md" : `notes-${agentId}.md`;
  const chat = session === undefined ? undefined : chatOfSession(session);
  return chat === undefined ? join(stateDir, "memory", file) : join(stateDir, "memory", "whatsapp", chat, file);
}

/** The WhatsApp chat a session key names (`whatsapp:4915…@s.whatsapp.net` → its jid, as a folder name), or undefined for the owner's own sessions. */
function chatOfSession(session: string): string | undefined {
  if (!session.startsWith("whatsapp:")) return undefined;
  // Session keys are checked when they come in; any character a folder name cannot hold goes all the same.
  const chat = session.slice("whatsapp:".length).replace(/[^A-Za-z0-9@._+-]/g, "_");
  return chat === "" || /^\.+$/.test(chat) ? "_" : chat;
}

/** `memory`: notes about the user kept across conversations, one line each dated in local time with its offset (`- 2026-11-24 14:03 +01:00: …`), in `<stateDir>/memory/notes.md`. */
export function createMemoryTool(options: MemoryToolOptions = {}): Tool<z.output<typeof parameters>> {
  return {
    name: "memory",
    description: "Your long-term notes about the user, kept across conversations. read: all notes; append: save text as one note.",
    parameters,
    async run(args, context) {
      const path = notesPath(context.stateDir, context.agentId, context.session);
      if (args.action === "append") {
        const said = (args.text ?? "").trim();
        const text = options.secrets ? options.secrets.redact(said) : said;
        if (!text) return { content: 'append needs text: the note to keep, e.g. {"action": "append", "text": "prefers metric units"}', isError: true };
        if (text.length > NOTE_MAX_CHARS) return { content: `the note is ${text.length} characters; keep it under ${NOTE_MAX_CHARS}`, isError: true };
        // Every kind of line break is indented, so a note cannot fake further dated entries.
        const line = `- ${localTime(options.clock?.now() ?? Date.now())}: ${text.replace(/\r\n|[\r\n\u2028\u2029\u0085]/g, "\n  ")}\n`;
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await appendFile(path, line, { mode: 0o600 });
        // The note is the model's words, possibly copied from a page: echoed back as data like any tool output.
        return { content: `noted:\n${context.untrusted(line.trimEnd(), "the note as saved")}` };
      }
      let notes: string;
      try {
        notes = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { content: "no notes yet" };
        throw error;
      }
      if (!notes.trim()) return { content: "no notes yet" };
      if (notes.length <= NOTES_READ_LIMIT) return { content: context.untrusted(notes.trimEnd(), "memory notes") };
      const tail = notes.slice(-NOTES_READ_LIMIT);
      const lineStart = tail.indexOf("\n- ");
      const kept = lineStart >= 0 ? tail.slice(lineStart + 1) : tail;
      const omitted = notes.length - kept.length;
      return { content: `(the oldest ${omitted.toLocaleString("en-US")} characters of notes are left out)\n${context.untrusted(kept.trimEnd(), "memory notes")}` };
    },
  };
}

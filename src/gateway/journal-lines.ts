import * as z from "zod";
import { AGENT_ID } from "../config/schema/agents-section.js";
import { ENTRY_ID, isSessionKey } from "../sessions/session-store.js";
import type { ChannelId } from "./port.js";

/** Every channel a journaled message can have come through (a channel added to `ChannelId` without its place here fails to compile). */
const CHANNELS = { cli: true, http: true, webchat: true, whatsapp: true } as const satisfies Record<ChannelId, true>;

/** How much later than its journal's last write a line's time may be (file times lag the clock by a tick): past it, the time is not the journal's own. */
const CLOCK_SLACK_MS = 60_000;

/** The ids a journal gives its lines (`randomUUID`). */
const journalId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: "expected a journal id (a UUID)" });
const sessionKey = z.string().refine(isSessionKey, { message: "expected a session key (letters, digits and . _ - : @ +, up to 128 characters)" });
/** As `toISOString` writes it: the journal's order and its "already saved" check compare these as text. */
const stamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, { message: "expected an ISO time (as 2026-12-05T10:00:00.000Z)" })
  .refine((value) => !Number.isNaN(Date.parse(value)), { message: "expected an ISO time (as 2026-12-05T10:00:00.000Z)" });
const channel = z.enum(Object.keys(CHANNELS) as [ChannelId, ...ChannelId[]], { message: `expected one of hearth's channels (${Object.keys(CHANNELS).join(", ")})` });
const agent = z.string().regex(AGENT_ID, { message: "expected an agent id (letters, digits, '.', '_' and '-')" });

/** Objects are loose, as session entries are: a field a later version adds passes through. */
const addSchema = z.looseObject({
  id: journalId,
  session: sessionKey,
  text: z.string(),
  at: stamp,
  channel: channel.optional(),
  agent: agent.optional(),
  quoted: z.string().optional(),
  /** Checked loosely: the reader keeps the images that are whole. */
  images: z.array(z.unknown()).optional(),
});
const turnSchema = z.looseObject({ id: journalId, session: sessionKey, entry: z.string().regex(ENTRY_ID, { message: "expected a session entry id (8 hex digits)" }) });

/** A journal line that passed its check: exactly one of `add`, `turn`, `take`. */
export interface JournalLine {
  add?: z.output<typeof addSchema> | undefined;
  turn?: z.output<typeof turnSchema> | undefined;
  take?: string | undefined;
}

/** One journal's text and what its reader is told. */
export interface JournalText {
  text: string;
  /** When the journal was last written (its file's mtime, ms): no line of it can be later. */
  writtenAt: number;
  /** A line that failed its check (1-based), and why: it is dropped. */
  skipped: (line: number, reason: string) => void;
}

/**
 * The lines of a journal (`<state dir>/inbox/<pid>.jsonl`) that can be used, in order. Each is checked
 * as a session entry is when it is written: a message's `at` an ISO time no later than the journal's
 * last write, its `channel` one of hearth's, its `agent` and every `session` following the key rules,
 * every id shaped as hearth makes it. A line that fails is told to `skipped` and left out, never the
 * rest. A last line cut short is left out and said too (cutShort): a crash mid-write of hearth's own
 * leaves one whose message was never accepted, but a line cut later (a file system after a power loss, a
 * full disk, a hand edit) was — its message is lost, and the user is told which file and what it was.
 */
export function checkedJournalLines(journal: JournalText): JournalLine[] {
  const lines: JournalLine[] = [];
  const raws = journal.text.split("\n");
  for (const [index, raw] of raws.entries()) {
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      journal.skipped(index + 1, index < raws.length - 1 ? "not JSON" : cutShort(raw));
      continue;
    }
    const checked = checkLine(value, journal.writtenAt);
    if (typeof checked === "string") journal.skipped(index + 1, checked);
    else lines.push(checked);
  }
  return lines;
}

/**
 * What a last line cut short was, from its start (never its text: message bodies are not said): a message
 * taken in (and its session, a key, when its start holds it), a turn's start or a turn's end.
 */
function cutShort(raw: string): string {
  const kind = /^\s*\{\s*"(add|turn|take)"/.exec(raw)?.[1];
  const session = /"session"\s*:\s*"([A-Za-z0-9._:@+-]{1,128})"/.exec(raw)?.[1];
  const where = session === undefined ? "" : ` for session "${session}"`;
  const what =
    kind === "add"
      ? `a message taken in${where} is lost (its text is not logged) unless hearth stopped while writing it, when it was never accepted`
      : kind === "turn"
        ? `the start of a turn${where} (its message is in its session or on a line of its own)`
        : kind === "take"
          ? "the end of a turn (its message was saved already)"
          : "what it held cannot be told (a message taken in may be lost)";
  return `cut short, it ends mid-way — a power loss, a full disk or an edit: ${what}`;
}

/** The line as it may be used, or why it may not. */
function checkLine(value: unknown, writtenAt: number): JournalLine | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a journal line (an add, turn or take)";
  const kinds = (["add", "turn", "take"] as const).filter((kind) => Object.hasOwn(value, kind));
  const kind = kinds[0];
  if (kind === undefined || kinds.length > 1) return "not a journal line (exactly one of add, turn or take)";
  const field = (value as Record<string, unknown>)[kind];
  if (kind === "take") {
    const take = journalId.safeParse(field);
    return take.success ? { take: take.data } : `take: ${take.error.issues[0]?.message ?? "expected a journal id"}`;
  }
  if (kind === "turn") {
    const turn = turnSchema.safeParse(field);
    return turn.success ? { turn: turn.data } : reason("turn", turn.error);
  }
  const add = addSchema.safeParse(field);
  if (!add.success) return reason("add", add.error);
  if (Date.parse(add.data.at) > writtenAt + CLOCK_SLACK_MS) return "add.at: later than the journal was last written";
  return { add: add.data };
}

function reason(kind: string, error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${[kind, ...issue.path].join(".")}: ${issue.message}` : `${kind}: not valid`;
}

import * as z from "zod";
import { API_NAMES } from "../ai/api.js";
import type { ModelRef } from "../ai/model-spec.js";
import type { AssistantMessage } from "../ai/types.js";
import { TURN_FAILURE_CAUSES, type SessionEntry } from "./entries.js";

/**
 * What a session line must hold to be used: every field the agent, the commands and the transcript
 * read. Lines are checked on read, so a damaged or hand-edited line is skipped with a warning instead
 * of crashing a turn later. Objects are loose (fields added later pass through untouched).
 *
 * One schema per entry type, keyed by the type: adding a type to `SessionEntry` without its schema
 * here fails to compile.
 */
const text = z.string();
const count = z.number().finite().nonnegative();
const modelRef = z.custom<ModelRef>((value) => typeof value === "string" && /^[^/]+\/.+$/.test(value), { message: "expected a model ref (provider/model)" });
const stamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: "expected an ISO time" });

const usage = z.looseObject({ input: count, output: count, cacheRead: count, cacheWrite: count, reasoning: count, estimated: z.boolean() });

type Part = AssistantMessage["content"][number];

/** Keyed by part type, like the entries: a content part added to `AssistantMessage` without its schema here fails to compile. */
const PART_SCHEMAS: { [T in Part["type"]]: z.ZodType<Extract<Part, { type: T }>> } = {
  text: z.looseObject({ type: z.literal("text"), text }),
  reasoning: z.looseObject({ type: z.literal("reasoning"), text, signature: z.string().optional(), redacted: z.string().optional() }),
  "tool-call": z.looseObject({
    type: z.literal("tool-call"),
    id: text,
    name: text,
    arguments: z.record(z.string(), z.unknown()),
    rawArguments: text,
    argumentsError: z.string().optional(),
  }),
};
const contentPart = z.union(Object.values(PART_SCHEMAS) as [z.ZodType<Part>, ...z.ZodType<Part>[]]);

const assistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: z.array(contentPart),
  model: modelRef,
  api: z.enum(API_NAMES),
  stopReason: z.enum(["stop", "length", "tool-use", "content-filter", "error", "aborted"]),
  usage,
  cost: count,
});

const toolResultMessage = z.looseObject({ role: z.literal("tool-result"), toolCallId: text, toolName: text, content: text, isError: z.boolean() });

const attempt = z.looseObject({ model: text, outcome: text, ms: count, baseUrl: z.string().optional(), message: z.string().optional(), fields: z.array(z.string()).optional(), silentServer: z.looseObject({ failed: z.string(), model: z.string() }).optional(), usage: usage.optional(), cost: z.number().nonnegative().optional(), loadingMs: z.number().nonnegative().optional() });

const entry = { id: text, at: stamp };

/** Kinds are not checked here: a kind a later version adds must not make the entry (an answer the model is sent again) unreadable. */
const notes = z.array(z.looseObject({ kind: text, text })).optional();

type SchemaOf<T extends SessionEntry["type"]> = z.ZodType<Extract<SessionEntry, { type: T }>>;

const ENTRY_SCHEMAS: { [T in SessionEntry["type"]]: SchemaOf<T> } = {
  session: z.looseObject({ type: z.literal("session"), version: z.literal(1), at: stamp, agent: text }),
  user: z.looseObject({ type: z.literal("user"), ...entry, text, quoted: z.string().optional(), retryOf: z.string().optional(), images: z.array(z.looseObject({ mediaType: text, data: text })).optional(), channel: z.string().optional() }),
  assistant: z.looseObject({ type: z.literal("assistant"), ...entry, message: assistantMessage, attempts: z.array(attempt), notes }),
  "tool-result": z.looseObject({ type: z.literal("tool-result"), ...entry, message: toolResultMessage, notes }),
  "turn-failed": z.looseObject({ type: z.literal("turn-failed"), ...entry, error: text, attempts: z.array(attempt), cause: z.enum(TURN_FAILURE_CAUSES).optional(), notes }),
  compaction: z.looseObject({ type: z.literal("compaction"), ...entry, summary: text, firstKeptId: text, tokensBefore: count, model: modelRef, calls: z.array(attempt).optional() }),
  trim: z.looseObject({ type: z.literal("trim"), ...entry, firstKeptId: text, tokensBefore: count, reason: text, calls: z.array(attempt).optional() }),
  "model-change": z.looseObject({ type: z.literal("model-change"), ...entry, model: modelRef.nullable() }),
  settings: z.looseObject({ type: z.literal("settings"), ...entry, reasoning: z.boolean() }),
  reset: z.looseObject({ type: z.literal("reset"), ...entry }),
};

export type EntryCheck = { ok: true; entry: SessionEntry } | { ok: false; reason: string };

/** Checks one parsed session line. */
export function checkEntry(value: unknown): EntryCheck {
  const type = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || !Object.hasOwn(ENTRY_SCHEMAS, type)) {
    return { ok: false, reason: typeof type === "string" ? `unknown entry type "${type.slice(0, 40)}"` : "not a session entry (no type)" };
  }
  const result = (ENTRY_SCHEMAS[type as SessionEntry["type"]] as z.ZodType<SessionEntry>).safeParse(value);
  if (result.success) return { ok: true, entry: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join(".") || "entry"}: ${issue.message}` : "not a valid entry" };
}

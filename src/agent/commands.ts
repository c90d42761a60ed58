import { HearthError } from "../shared/errors.js";
import { EntryNotSaved } from "./unsaved-entry.js";
import type { ModelRef } from "../ai/model-spec.js";
import { costOf } from "../ai/usage.js";
import type { ModelCatalog } from "../models/model-catalog.js";
import type { SessionEntry, SessionSummary } from "../sessions/entries.js";
import type { Usage } from "../ai/types.js";
import { currentConversation, newEntryId, summarize, turnsInFile, type SessionStore } from "../sessions/session-store.js";
import type { AgentEvent } from "./agent-events.js";
import type { Agent } from "./agent.js";
import { conversationView } from "./build-context.js";
import type { CompactionOutcome } from "./agent-events.js";
import { suggest } from "../shared/did-you-mean.js";
import { commandText, commandWord, RETRY_COUNT, retryNumber } from "./command-shape.js";
import { formatChoiceList, formatChoicesInline, modelChoices, notChoosableWords } from "./model-choices.js";

export const COMMANDS: readonly [string, string][] = [
  ["/model", "show the model answering this session"],
  ["/model list", "the models you can switch to (* the one answering now)"],
  ["/model <alias|ref>", "switch this session's model (/model reset: back to the agent's)"],
  ["/status", "model, context used of the window, tokens and cost"],
  ["/new", "start a fresh conversation (the transcript keeps the old one)"],
  ["/compact [focus]", "summarise older turns now, optionally focusing on something"],
  ["/retry [n]", "send again the latest message that got no answer (/retry 2: the one before it)"],
  ["/reasoning on|off", "show the model's reasoning (in the terminal and the web chat; never on WhatsApp)"],
  ["/help", "this list"],
];

/**
 * What each command reads after its word, one rule for all (docs/agent.md, "In-chat commands"): a
 * command is its message's first line. `nothing`: any text after the word is refused, saying what the
 * command does, and nothing is done; `line`: the rest of the first line (a name, `on`/`off`), lines
 * after it refused the same way; `text`: free text, everything after the word, lines included.
 */
const READS = {
  "/help": { reads: "nothing", does: "lists the commands" },
  "/status": { reads: "nothing", does: "shows the model, the context used, tokens and cost" },
  "/new": { reads: "nothing", does: "starts a fresh conversation" },
  "/retry": { reads: "count", does: "sends again the latest message that got no answer" },
  "/model": { reads: "line" },
  "/reasoning": { reads: "line" },
  "/compact": { reads: "text" },
} as const satisfies Record<string, { reads: "nothing" | "count"; does: string } | { reads: "line" | "text" }>;

type CommandName = keyof typeof READS;

/** Every command word, `/retry` too (the channel runs it): what a mistyped one is matched against. */
const NAMES = Object.keys(READS) as CommandName[];

const isName = (word: string): word is CommandName => (NAMES as readonly string[]).includes(word);

/** A command's word is quoted in answers at most this long (a slash word may be any length). */
const QUOTED_CHARS = 40;
const quoted = (text: string): string => (text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);

/**
 * A command message read by the rule of READS: its word (lower-cased), and what it reads — the rest of
 * the first line, or for free text everything after the word — or the answer that refuses it (a word
 * that names no command, text after a command that reads none, lines after one that reads its line).
 */
export function readCommand(text: string): { ok: true; name: CommandName; argument: string } | { ok: false; answer: string } {
  // Read from the word on, by the one shape (commandText): text that is no command, "\n/new" among it, never reaches here as one.
  const trimmed = (commandText(text) ?? "").trimEnd();
  const lineEnd = trimmed.search(/\r\n|\r|\n/);
  const firstLine = lineEnd < 0 ? trimmed : trimmed.slice(0, lineEnd).trim();
  const after = lineEnd < 0 ? "" : trimmed.slice(lineEnd).trim();
  const word = firstLine.split(/\s+/)[0] ?? "";
  const name = word.toLowerCase();
  if (!isName(name)) return { ok: false, answer: unknownCommand(word) };
  const line = firstLine.slice(word.length).trim().split(/\s+/).join(" ");
  const command = READS[name];
  switch (command.reads) {
    case "nothing":
      return line === "" && after === "" ? { ok: true, name, argument: "" } : { ok: false, answer: `${name} ${command.does} and takes nothing after it, so nothing was done: send ${name} alone${after === "" ? "" : ", then the lines after it as a message of their own"}.` };
    case "count":
      // A number of 1 or more counts back from the latest (retryNumber); anything else is refused, saying how.
      return (line === "" || RETRY_COUNT.test(line)) && after === ""
        ? { ok: true, name, argument: line }
        : { ok: false, answer: `${name} ${command.does} and takes only a number after it (${name} 2: the one before it), so nothing was done: send ${name} alone or with a number${after === "" ? "" : ", then the lines after it as a message of their own"}.` };
    case "line":
      return after === ""
        ? { ok: true, name, argument: line }
        : { ok: false, answer: `${name} reads its own line only, so nothing was done: send "${quoted(firstLine)}" alone, then the lines after it as a message of their own.` };
    case "text":
      return { ok: true, name, argument: trimmed.slice(word.length).trim() };
  }
}

/** `/retry` (`/retry N`, retryNumber) runs a turn, so the channel handles it (with `Agent.retryable`), not `runCommand`. */
export function isRetry(text: string): boolean {
  return retryNumber(text) !== undefined;
}

/**
 * How the channel a command came from shows the model's reasoning, which `/reasoning on` answers in
 * its words: the terminal dims it, the web chat folds it into a collapsed block, a final-text channel
 * (WhatsApp) never shows it, the HTTP API sends it only to a request that asks for it.
 */
export type ReasoningShown = "dimmed" | "collapsed" | "never" | "when-asked";

export interface CommandDependencies {
  agent: Agent;
  store: SessionStore;
  catalog: ModelCatalog;
  emit?: (event: AgentEvent) => void;
  /** Default "dimmed" (`hearth chat`). */
  reasoningShown?: ReasoningShown | undefined;
}

/** `/reasoning on`'s answer, as the channel it came from shows reasoning. */
const REASONING_ON: Record<ReasoningShown, string> = {
  dimmed: "Reasoning will be shown (dimmed).",
  collapsed: "Reasoning will be shown: a collapsed “Reasoning” block above each answer that has some — click it to open.",
  never: "Reasoning is on for this session, but this channel gets only the final answer: the web chat and the terminal chat show it.",
  "when-asked": "Reasoning is on for this session: the web chat and the terminal chat show it; the API sends it only to a request that asks for it.",
};

/**
 * True when `runCommand` answers the text: it is shaped like a command (a slash word first, see
 * commandWord) — a known one or a mistyped one, which is answered "unknown command" and never reaches
 * the model — and it is not `/retry` alone (a turn). A path, a fraction or `//word` is a message.
 */
export function isCommand(text: string): boolean {
  return commandWord(text) !== undefined && !isRetry(text);
}

/** A summary's turns, tokens and cost, as /status says them. */
function spentWords(totals: SessionSummary, since = ""): string {
  return `${totals.turns} turn${totals.turns === 1 ? "" : "s"}${since} · ${totals.usage.input + totals.usage.cacheRead} in / ${totals.usage.output} out tokens${totals.usage.estimated ? " (partly estimated)" : ""} · $${totals.cost.toFixed(4)}`;
}

/** Runs an in-chat command against a session and returns what to show. Commands never reach the model. */
export async function runCommand(text: string, key: string, dependencies: CommandDependencies): Promise<string> {
  const { agent, store, catalog } = dependencies;
  const read = readCommand(text);
  if (!read.ok) return read.answer;
  const { name, argument } = read;
  const entries = (await store.read(key)).entries;
  const append = (entry: SessionEntry): Promise<void> => store.append(key, [entry], { sync: true });
  const at = new Date().toISOString();
  const chain = agent.chainFor(entries);
  const aliases = catalog.aliases;

  switch (name) {
    case "/help":
      return [...COMMANDS.map(([command, what]) => `${command.padEnd(20)} ${what}`), "A command is its message's first line (only /compact's focus may go on past it).", "A message that starts with a slash word: put one more slash in front (//shrug sends /shrug)."].join("\n");
    case "/new":
      await append({ type: "reset", id: newEntryId(), at });
      return "Started a fresh conversation.";
    case "/reasoning": {
      const value = argument.toLowerCase();
      if (value !== "on" && value !== "off") return `Reasoning is ${conversationView(entries).reasoning ? "shown" : "hidden"}. Use /reasoning on or /reasoning off.`;
      await append({ type: "settings", id: newEntryId(), at, reasoning: value === "on" });
      return value === "on" ? REASONING_ON[dependencies.reasoningShown ?? "dimmed"] : "Reasoning is hidden.";
    }
    case "/compact": {
      const head = chain[0];
      if (!head) return "No model to write the summary.";
      const budget = await agent.budget(head);
      const result = await agent.compact({ key, entries, chain, budget, emit: dependencies.emit ?? (() => undefined), focus: argument || undefined, force: true, manual: true }).catch((error: unknown) => {
        // Written but not saved (a full disk): the store's fault, and what it was.
        if (error instanceof EntryNotSaved) throw new HearthError(error.fault.kind, `${error.fault.message} — ${error.what} was not saved: the conversation is as it was`, error.fault.details);
        throw error;
      });
      return compactionWords(result);
    }
    case "/status": {
      const head = chain[0];
      const lost = agent.lostModelNotice(entries, head);
      if (!head) return lost ?? "No model configured.";
      const view = conversationView(entries);
      const budget = await agent.budget(head);
      const used = agent.prompt(entries, undefined, budget).tokens;
      // Calls that broke before an answer are priced as any call of their model (a record from before their cost was kept: at the config's prices).
      const price = (ref: string, usage: Usage) => {
        const model = catalog.models.get(ref as ModelRef);
        return model ? costOf(usage, model.cost) : undefined;
      };
      // The current conversation's (after the last reset), as the context above; the whole session's beside it once there was a reset.
      const current = currentConversation(entries);
      const reset = current.length < entries.length;
      const conversation = summarize(key, current, at, price);
      const file = summarize(key, entries, at, price);
      const whole = reset ? `(the whole session: ${spentWords({ ...file, turns: turnsInFile(file) })})` : undefined;
      // Measured against what the prompt may use (the window less the reply and the reserve): what a turn plans against.
      const room = budget.promptTokens;
      const share = room > 0 ? Math.min(1, used / room) : 1;
      const count = (tokens: number): string => tokens.toLocaleString("en-US");
      // What the model is sent now of the earlier turns: a summary of them, or (no summary could be written) not all of them.
      const lastFold = current.findLast((entry) => entry.type === "compaction" || entry.type === "trim");
      const folded = lastFold?.type === "trim" ? " · earlier turns left out (no summary could be written)" : view.summary ? " · earlier turns summarised" : "";
      const bar = `[${"█".repeat(Math.round(share * 20)).padEnd(20, "░")}]`;
      // No count from its server ever (not kept from an earlier process either): four characters a token, which may be far off.
      const guessed = agent.countEstimated(head, entries) ? " · estimated at 4 characters a token (its server has not counted a prompt yet)" : "";
      // What the server said it served when it last answered as this model (a llama-server restarted with another model answers any id).
      const served = entries.findLast((entry): entry is Extract<SessionEntry, { type: "assistant" }> => entry.type === "assistant" && entry.message.model === head.ref)?.message;
      const servedAs = served?.served ? ` · its server last answered as ${served.served}` : "";
      return [
        `model: ${catalog.aliasOf(head.ref) ? `${catalog.aliasOf(head.ref)} (${head.ref})` : head.ref}${head.local ? " · local" : ""}${servedAs}`,
        `context: ${bar} ${count(used)} / ${count(room)} tokens the prompt may use (window ${count(budget.window)} tokens, less ${count(budget.replyTokens)} for the reply and ${count(budget.reserveTokens)} in reserve) (${used > room ? `over by ${count(used - room)}: the next turn summarises earlier turns or leaves them out` : `${Math.round(share * 100)}%`})${guessed}${folded}`,
        `session ${key}: ${spentWords(conversation, reset ? " since the last reset" : "")}${whole ? ` ${whole}` : ""}`,
        ...(lost ? [lost] : []),
      ].join("\n");
    }
    case "/model": {
      if (argument === "") {
        const head = chain[0];
        const lost = agent.lostModelNotice(entries, head);
        const answering = head ? `${catalog.aliasOf(head.ref) ?? head.ref} (${head.ref}); then ${chain.slice(1).map((model) => catalog.aliasOf(model.ref) ?? model.ref).join(", ") || "no fallbacks"}` : "No model configured.";
        return lost ? `${answering}\n${lost}` : answering;
      }
      const choices = modelChoices(catalog, agent.spec.chain, chain[0]);
      if (argument === "list") return choices.length > 0 ? formatChoiceList(choices) : "No model configured.";
      if (argument === "reset" || argument === "default") {
        await append({ type: "model-change", id: newEntryId(), at, model: null });
        return `Back to the agent's model: ${agent.spec.chain[0]?.ref ?? "none"}.`;
      }
      const found = catalog.lookup(argument);
      const valid = `you can choose: ${formatChoicesInline(choices)}`;
      if (!found.ok) return `${found.reason}\n${valid}`;
      if (aliases.size > 0 && !choices.some((choice) => choice.ref === found.model.ref)) {
        return `${notChoosableWords(catalog, found.model)}\n${valid}`;
      }
      await append({ type: "model-change", id: newEntryId(), at, model: found.model.ref });
      return `This session now uses ${catalog.aliasOf(found.model.ref) ?? found.model.ref} (${found.model.ref}).`;
    }
    case "/retry":
      // The channel runs `/retry` (`/retry N`) as a turn: here it is only when called directly.
      return "/retry is run by the channel as a turn: send /retry alone, or /retry with a number.";
  }
}

/**
 * Why a command message is refused before it runs (a word that names no command, text a command does
 * not read: see readCommand), else undefined — also for text that is no command at all.
 */
export function commandRefusal(text: string): string | undefined {
  if (!isCommand(text)) return undefined;
  const read = readCommand(text);
  return read.ok ? undefined : read.answer;
}

/** A slash word that names no command: the nearest command, and how to send the text as a message instead (only the word is quoted). */
function unknownCommand(word: string): string {
  const [near] = suggest(word, NAMES, 1);
  const shown = quoted(word);
  return near ? `unknown command ${shown} — did you mean ${near}? (/help lists them)` : `unknown command ${shown} (/help lists them; to send it as a message, start it with //: /${shown})`;
}

/** What `/compact` says: done, trimmed instead (and why), or why nothing happened. */
export function compactionWords(result: CompactionOutcome): string {
  switch (result.outcome) {
    case "compacted":
      return "Compacted: older turns are summarised; the transcript keeps them all.";
    case "trimmed":
      return `No summary could be written (${result.reason}): the oldest ${result.turns} turn${result.turns === 1 ? " is" : "s are"} left out of what is sent instead; the transcript keeps them all.`;
    case "skipped":
      return `Nothing to compact: ${result.reason}.`;
    case "failed":
      return `Compaction failed: ${result.reason}.`;
  }
}

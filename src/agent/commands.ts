import type { ModelCatalog } from "../models/model-catalog.js";
import type { SessionEntry } from "../sessions/entries.js";
import { newEntryId, summarize, type SessionStore } from "../sessions/session-store.js";
import type { AgentEvent } from "./agent-events.js";
import type { Agent } from "./agent.js";
import { conversationView } from "./build-context.js";
import type { CompactionOutcome } from "./agent-events.js";
import { suggest } from "../shared/did-you-mean.js";
import { commandWord } from "./command-shape.js";
import { formatChoiceList, formatChoicesInline, modelChoices } from "./model-choices.js";

export const COMMANDS: readonly [string, string][] = [
  ["/model", "show the model answering this session"],
  ["/model list", "the models you can switch to (* the one answering now)"],
  ["/model <alias|ref>", "switch this session's model (/model reset: back to the agent's)"],
  ["/status", "model, context used of the window, tokens and cost"],
  ["/new", "start a fresh conversation (the transcript keeps the old one)"],
  ["/compact [focus]", "summarise older turns now, optionally focusing on something"],
  ["/retry", "send the last message again when it got no answer"],
  ["/reasoning on|off", "show the model's reasoning (in the terminal and the web chat; never on WhatsApp)"],
  ["/help", "this list"],
];

/** Every command word, `/retry` too (the channel runs it): what a mistyped one is matched against. */
const NAMES: readonly string[] = [...new Set(COMMANDS.map(([command]) => command.split(" ")[0] ?? command))];

/** `/retry` runs a turn, so the channel handles it (with `Agent.retryable`), not `runCommand`. */
export function isRetry(text: string): boolean {
  return text.trim().toLowerCase() === "/retry";
}

export interface CommandDependencies {
  agent: Agent;
  store: SessionStore;
  catalog: ModelCatalog;
  emit?: (event: AgentEvent) => void;
}

/**
 * True when `runCommand` answers the text: it is shaped like a command (a slash word first, see
 * commandWord) — a known one or a mistyped one, which is answered "unknown command" and never reaches
 * the model — and it is not `/retry` alone (a turn). A path, a fraction or `//word` is a message.
 */
export function isCommand(text: string): boolean {
  return commandWord(text) !== undefined && !isRetry(text);
}

/** Runs an in-chat command against a session and returns what to show. Commands never reach the model. */
export async function runCommand(text: string, key: string, dependencies: CommandDependencies): Promise<string> {
  const { agent, store, catalog } = dependencies;
  const [name = "", ...rest] = text.trim().split(/\s+/);
  const argument = rest.join(" ");
  const entries = (await store.read(key)).entries;
  const append = (entry: SessionEntry): Promise<void> => store.append(key, [entry], { sync: true });
  const at = new Date().toISOString();
  const chain = agent.chainFor(entries);
  const aliases = catalog.aliases;

  switch (name.toLowerCase()) {
    case "/help":
      return [...COMMANDS.map(([command, what]) => `${command.padEnd(20)} ${what}`), "A message that starts with a slash word: put one more slash in front (//shrug sends /shrug)."].join("\n");
    case "/new":
      await append({ type: "reset", id: newEntryId(), at });
      return "Started a fresh conversation.";
    case "/reasoning": {
      const value = argument.toLowerCase();
      if (value !== "on" && value !== "off") return `Reasoning is ${conversationView(entries).reasoning ? "shown" : "hidden"}. Use /reasoning on or /reasoning off.`;
      await append({ type: "settings", id: newEntryId(), at, reasoning: value === "on" });
      return value === "on" ? "Reasoning will be shown (dimmed)." : "Reasoning is hidden.";
    }
    case "/compact": {
      const head = chain[0];
      if (!head) return "No model to write the summary.";
      const result = await agent.compact({ key, entries, chain, budget: await agent.budget(head), emit: dependencies.emit ?? (() => undefined), focus: argument || undefined, force: true, manual: true });
      return compactionWords(result);
    }
    case "/status": {
      const head = chain[0];
      const lost = agent.lostModelNotice(entries, head);
      if (!head) return lost ?? "No model configured.";
      const view = conversationView(entries);
      const budget = await agent.budget(head);
      const used = agent.prompt(entries, undefined, budget).tokens;
      const totals = summarize(key, entries, at);
      const share = Math.min(1, used / budget.window);
      const bar = `[${"█".repeat(Math.round(share * 20)).padEnd(20, "░")}]`;
      return [
        `model: ${catalog.aliasOf(head.ref) ? `${catalog.aliasOf(head.ref)} (${head.ref})` : head.ref}${head.local ? " · local" : ""}`,
        `context: ${bar} ${used.toLocaleString("en-US")} / ${budget.window.toLocaleString("en-US")} tokens (${Math.round(share * 100)}%)${view.summary ? " · earlier turns summarised" : ""}`,
        `session ${key}: ${totals.turns} turn${totals.turns === 1 ? "" : "s"} · ${totals.usage.input + totals.usage.cacheRead} in / ${totals.usage.output} out tokens${totals.usage.estimated ? " (partly estimated)" : ""} · $${totals.cost.toFixed(4)}`,
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
        return `${found.model.ref} has no alias, and only models with an alias can be chosen here\n${valid}`;
      }
      await append({ type: "model-change", id: newEntryId(), at, model: found.model.ref });
      return `This session now uses ${catalog.aliasOf(found.model.ref) ?? found.model.ref} (${found.model.ref}).`;
    }
    case "/retry":
      return "/retry sends your last message again and takes nothing after it: send /retry alone.";
    default:
      return unknownCommand(name);
  }
}

/** What to say when the text is shaped like a command but names none (`/modle x`), else undefined. */
export function unknownCommandWords(text: string): string | undefined {
  const name = text.trim().split(/\s+/)[0] ?? "";
  return isCommand(text) && !NAMES.includes(name.toLowerCase()) ? unknownCommand(name) : undefined;
}

/** A slash word that names no command: the nearest command, and how to send the text as a message instead. */
function unknownCommand(name: string): string {
  const [near] = suggest(name, NAMES, 1);
  return near ? `unknown command ${name} — did you mean ${near}? (/help lists them)` : `unknown command ${name} (/help lists them; to send it as a message, start it with //: /${name})`;
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

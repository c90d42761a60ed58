import type { Command } from "commander";
import { editDistance, suggest } from "../shared/did-you-mean.js";
import { commandLine, type CliIo } from "./io.js";

type HintIo = Pick<CliIo, "command" | "configFlag">;

/**
 * The words a user tries for each subcommand (`config check` for `config validate`, `ls` for `list`):
 * suggested after "unknown command", never commands of their own. Keyed by the real subcommand's name;
 * only the subcommands of the command typed are candidates, so `check` names `config validate` under
 * `config` and `doctor` at the top.
 */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  validate: ["check", "lint", "test", "verify"],
  list: ["ls"],
  show: ["view", "cat", "print", "get", "display"],
  path: ["where", "which", "location", "locate", "file"],
  status: ["st", "info", "state", "health"],
  discover: ["scan", "find", "detect", "search"],
  load: ["start", "run", "warm"],
  unload: ["stop", "eject", "free"],
  delete: ["rm", "remove", "del"],
  reset: ["clear", "wipe"],
  export: ["dump", "save", "download"],
  login: ["link", "pair", "connect", "signin"],
  logout: ["unlink", "disconnect", "signout"],
  approve: ["accept", "allow", "confirm"],
  install: ["enable", "setup", "service"],
  uninstall: ["disable", "remove"],
  restart: ["reload", "reboot"],
  audit: ["check", "scan"],
  usage: ["cost", "costs", "spend", "stats"],
  logs: ["log", "tail"],
  init: ["setup", "create", "new", "bootstrap"],
  doctor: ["check", "diagnose", "diag"],
  chat: ["talk", "repl"],
  agent: ["ask", "prompt", "send", "message"],
  gateway: ["serve", "server", "start", "run", "daemon"],
  sessions: ["history", "transcripts", "conversations"],
  models: ["llm", "llms"],
  channels: ["whatsapp"],
  pairing: ["pending"],
};

/** What a command that runs by itself (`gateway`: it runs the gateway) is tried as, with a word after it. */
const RUN_WORDS: readonly string[] = ["start", "run", "serve"];

/** The command's words after the program's name: `config`, `gateway`; "" for the program. */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}

/**
 * The subcommands of `command` to suggest for `word`, best first: those it is a word for (SYNONYMS),
 * then the names close to it (a typo); where none is, those with a word one letter from it (`chek` →
 * check → validate).
 * `runs`: the command runs by itself too; a word for running it suggests the command alone ("").
 */
export function subcommandSuggestions(command: Command, word: string, runs: boolean): string[] {
  const names = command.commands.map((subcommand) => subcommand.name());
  const lower = word.toLowerCase();
  const synonym = names.filter((name) => SYNONYMS[name]?.includes(lower));
  const typo = suggest(word, names);
  const alone = runs && RUN_WORDS.includes(lower) ? [""] : [];
  const direct = [...new Set([...alone, ...synonym, ...typo])];
  if (direct.length > 0 || word.length < 4) return direct.slice(0, 3);
  // Only a slip of one letter from a word for it: a looser match would name unrelated commands.
  return names.filter((name) => (SYNONYMS[name] ?? []).some((other) => other.length >= 4 && editDistance(lower, other) <= 1)).slice(0, 3);
}

/** "unknown command 'check' for `hearth config`; did you mean `hearth config validate`?" */
function unknownCommandMessage(io: HintIo, command: Command, suggestions: { word: string; names: readonly string[] }): string {
  const path = pathOf(command);
  const typed = (name: string): string => `\`${commandLine(io, [path, name].filter((part) => part !== "").join(" ")).trim()}\``;
  const where = path === "" ? "" : ` for ${typed("")}`;
  const hint = suggestions.names.length === 0 ? "" : suggestions.names.length === 1 ? `; did you mean ${typed(suggestions.names[0] ?? "")}?` : `; did you mean one of ${suggestions.names.map(typed).join(", ")}?`;
  return `error: unknown command '${suggestions.word}'${where}${hint}`;
}

/**
 * Makes every command with subcommands say which one a mistyped or near word meant, at any depth:
 * commander's "command:*" event where the command has no action of its own (`config check`), and a
 * preAction check where it has one (`gateway stat`: else commander says only "too many arguments").
 * Call once every command is defined.
 */
export function suggestSubcommands(program: Command, io: HintIo): void {
  const withSubcommands = (command: Command): Command[] => (command.commands.length > 0 ? [command, ...command.commands.flatMap(withSubcommands)] : []);
  for (const command of withSubcommands(program)) {
    const refuse = (word: string, runs: boolean): never => command.error(unknownCommandMessage(io, command, { word, names: subcommandSuggestions(command, word, runs) }), { code: "commander.unknownCommand", exitCode: 2 });
    command.on("command:*", (operands: string[]) => refuse(operands[0] ?? "", false));
    // A command that runs by itself takes no words: one after it is a subcommand mistyped.
    command.allowExcessArguments(true);
    command.hook("preAction", (_hooked, actionCommand) => {
      const word = command.args[0];
      if (actionCommand === command && word !== undefined) refuse(word, true);
    });
  }
}

import type { Command, Help } from "commander";

export interface CommandDescription {
  usage: string;
  description: string;
  options: { flags: string; description: string }[];
  commands: { name: string; usage: string; description: string }[];
}

/** A command's help as data: what `--help --json` prints instead of text. */
export function describeCommand(command: Command, helper: Help): CommandDescription {
  return {
    usage: `${helper.commandUsage(command)}`,
    description: helper.commandDescription(command),
    options: helper.visibleOptions(command).map((option) => ({ flags: option.flags, description: helper.optionDescription(option) })),
    commands: helper.visibleCommands(command).map((sub) => ({ name: sub.name(), usage: helper.subcommandTerm(sub), description: helper.subcommandDescription(sub) })),
  };
}

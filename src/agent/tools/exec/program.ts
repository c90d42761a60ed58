import type { OptionTable } from "./option-table.js";
import { parseOptions, type ParsedArgument, type Refusal } from "./parse-options.js";

/**
 * What hearth knows of one program: the arguments it may be given. `check` returns the first
 * argument refused and why, or undefined when the whole list may run.
 */
export interface ProgramDescription {
  names: readonly string[];
  check(args: readonly string[]): Refusal | undefined;
}

/** A program read by getopt_long: its options from the table, then checks over the parsed list. */
export function getoptProgram(names: readonly string[], options: OptionTable, after?: (parsed: ParsedArgument[]) => Refusal | undefined): ProgramDescription {
  return {
    names,
    check(args) {
      const result = parseOptions(args, options);
      if (!result.ok) return result.refusal;
      return after?.(result.parsed);
    },
  };
}

/** Programs that start another program named in their arguments: no argument at all. */
export function runnerProgram(names: readonly string[]): ProgramDescription {
  return {
    names,
    check: (args) => (args.length > 0 ? { argument: args[0] as string, reason: "it runs the program its arguments name; only the program alone may run" } : undefined),
  };
}

/** Programs that print their arguments and nothing else. */
export function textProgram(names: readonly string[]): ProgramDescription {
  return { names, check: () => undefined };
}

export function operands(parsed: readonly ParsedArgument[]): string[] {
  return parsed.flatMap((item) => (item.kind === "operand" ? [item.value] : []));
}

import type { OptionRule, OptionTable } from "./option-table.js";
import { ownValue } from "../../../shared/own-key.js";

/** An argument as the program reads it: an option (with the value it takes) or an operand. */
export type ParsedArgument =
  | { kind: "option"; name: string; value?: string | undefined; rule: OptionRule; argument: string }
  | { kind: "operand"; value: string };

/** Why an argument list is refused: the argument as given and the reason, worded for the model. */
export interface Refusal {
  argument: string;
  reason: string;
}

export type ParseResult = { ok: true; parsed: ParsedArgument[]; rest: string[] } | { ok: false; refusal: Refusal };

export interface ParseOptions {
  /** Stop at the first operand and return it with what follows in `rest` (git's subcommand). */
  stopAtOperand?: boolean | undefined;
}

/**
 * Reads arguments the way getopt_long (and git's parse-options) does: bundled short options, values
 * attached (`-OCMD`, `--opt=value`) or in the next argument, unambiguous prefixes of long options,
 * options after operands, `--` ending the options. An option the table does not know is refused:
 * the tables describe what may run, not what may not.
 */
export function parseOptions(args: readonly string[], table: OptionTable, options: ParseOptions = {}): ParseResult {
  const parsed: ParsedArgument[] = [];
  const queue = table.oldStyleFirstArgument && args[0] !== undefined && /^[A-Za-z]/.test(args[0]) ? traditional(args, table) : [...args];
  for (let index = 0; index < queue.length; index += 1) {
    const argument = queue[index] as string;
    const next = (): string | undefined => {
      index += 1;
      return queue[index];
    };
    if (argument === "--") {
      for (const operand of queue.slice(index + 1)) parsed.push({ kind: "operand", value: operand });
      return { ok: true, parsed, rest: [] };
    }
    if (!argument.startsWith("-") || argument === "-") {
      if (options.stopAtOperand) return { ok: true, parsed, rest: queue.slice(index) };
      parsed.push({ kind: "operand", value: argument });
      continue;
    }
    const read = argument.startsWith("--") ? readLong(argument, table, next) : readShort(argument, table, next);
    if ("reason" in read) return { ok: false, refusal: read };
    parsed.push(...read);
  }
  return { ok: true, parsed, rest: [] };
}

function readLong(argument: string, table: OptionTable, next: () => string | undefined): ParsedArgument[] | Refusal {
  const equals = argument.indexOf("=");
  const written = argument.slice(2, equals === -1 ? undefined : equals);
  const attached = equals === -1 ? undefined : argument.slice(equals + 1);
  const resolved = resolveLong(written, table);
  if ("reason" in resolved) return { argument, reason: resolved.reason };
  const { name, rule } = resolved;
  const shown = name === written ? `--${name}` : `--${written} (short for --${name})`;
  if (rule.refused) return { argument, reason: `${shown}: ${rule.refused}` };
  let optionValue = attached;
  if (rule.arity === "none" && attached !== undefined) return { argument, reason: `--${name} takes no value` };
  if (rule.arity === "required" && optionValue === undefined) {
    optionValue = next();
    if (optionValue === undefined) return { argument, reason: `--${name} needs a value` };
  }
  const bad = optionValue !== undefined ? rule.check?.(optionValue) : undefined;
  if (bad) return { argument: attached === undefined ? `${argument} ${optionValue ?? ""}` : argument, reason: `--${name}: ${bad}` };
  return [{ kind: "option", name: `--${name}`, value: optionValue, rule, argument }];
}

function resolveLong(written: string, table: OptionTable): { name: string; rule: OptionRule } | { reason: string } {
  const exact = ownValue(table.long, written);
  if (exact) return { name: written, rule: exact };
  const candidates = table.abbreviations && written.length > 0 ? Object.keys(table.long).filter((name) => name.startsWith(written)) : [];
  // A prefix of a refused option is refused whatever else it could mean: the program may read it so.
  const refusedMatch = candidates.find((name) => table.long[name]?.refused);
  if (refusedMatch) return { name: refusedMatch, rule: table.long[refusedMatch] as OptionRule };
  if (candidates.length === 1) return { name: candidates[0] as string, rule: table.long[candidates[0] as string] as OptionRule };
  if (candidates.length > 1) return { reason: `--${written} is ambiguous (${candidates.map((name) => `--${name}`).join(", ")}); write the option in full` };
  return { reason: `--${written} is not an option exec allows here` };
}

function readShort(argument: string, table: OptionTable, next: () => string | undefined): ParsedArgument[] | Refusal {
  if (table.numericShort && /^-\d+$/.test(argument)) return [{ kind: "option", name: "-<count>", value: argument.slice(1), rule: { arity: "none" }, argument }];
  const parsed: ParsedArgument[] = [];
  for (let position = 1; position < argument.length; position += 1) {
    const letter = argument[position] as string;
    const rule = ownValue(table.short, letter);
    if (!rule) return { argument, reason: `-${letter} is not an option exec allows here` };
    if (rule.refused) return { argument, reason: `-${letter}: ${rule.refused}` };
    if (rule.arity === "none") {
      parsed.push({ kind: "option", name: `-${letter}`, rule, argument });
      continue;
    }
    const rest = argument.slice(position + 1);
    let optionValue: string | undefined = rest;
    if (rule.arity === "required" && rest === "") {
      optionValue = next();
      if (optionValue === undefined) return { argument, reason: `-${letter} needs a value` };
    }
    const bad = optionValue ? rule.check?.(optionValue) : undefined;
    if (bad) return { argument: rest === "" ? `${argument} ${optionValue ?? ""}` : argument, reason: `-${letter}: ${bad}` };
    parsed.push({ kind: "option", name: `-${letter}`, value: optionValue === "" ? undefined : optionValue, rule, argument });
    return parsed;
  }
  return parsed;
}

/**
 * tar's traditional form: `tar xzf a.tar b` reads the letters of the first argument as options, each
 * that takes a value taking the next argument in turn (`-x -z -f a.tar b`).
 */
function traditional(args: readonly string[], table: OptionTable): string[] {
  const values = args.slice(1);
  const expanded: string[] = [];
  for (const letter of args[0] as string) {
    expanded.push(`-${letter}`);
    if (table.short[letter]?.arity === "required" && values.length > 0) expanded.push(values.shift() as string);
  }
  return [...expanded, ...values];
}

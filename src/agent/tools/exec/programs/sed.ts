import { refused, table, WRITES_FILES } from "../option-table.js";
import { parseOptions, type ParsedArgument } from "../parse-options.js";
import { getoptProgram, pathArguments, type ProgramDescription } from "../program.js";
import { refusedSedCommand } from "./sed-script.js";

const UNSEEN_SCRIPT = "the script in a file cannot be checked; give it with -e";

const SED_OPTIONS = table({
  flags: "nErsuzb",
  values: "el",
  short: { f: refused(UNSEEN_SCRIPT), i: refused(WRITES_FILES, "optional") },
  longFlags: ["help", "version", "quiet", "silent", "debug", "posix", "regexp-extended", "separate", "sandbox", "unbuffered", "null-data", "zero-terminated", "binary", "follow-symlinks"],
  longValues: ["expression", "line-length"],
  long: { file: refused(UNSEEN_SCRIPT), "in-place": refused(WRITES_FILES, "optional") },
});

/** GNU sed: scripts from -e (or the first operand) whose commands neither run programs nor touch named files. */
export const sed: ProgramDescription = {
  ...getoptProgram(["sed", "gsed"], SED_OPTIONS, checkScript),
  // The script (the first operand, unless -e gave it) is text; the files are paths.
  paths(args) {
    const result = parseOptions(args, SED_OPTIONS);
    return result.ok ? pathArguments(result.parsed, expressionsOf(result.parsed).length > 0 ? 0 : 1) : [];
  },
};

function expressionsOf(parsed: readonly ParsedArgument[]): string[] {
  return parsed.flatMap((item) => (item.kind === "option" && (item.name === "-e" || item.name === "--expression") ? [item.value ?? ""] : []));
}

function checkScript(parsed: ParsedArgument[]): { argument: string; reason: string } | undefined {
  const expressions = expressionsOf(parsed);
  const firstOperand = parsed.find((item) => item.kind === "operand");
  // Without -e, the first operand is the script; GNU sed joins several -e with newlines.
  const script = expressions.length > 0 ? expressions.join("\n") : firstOperand?.kind === "operand" ? firstOperand.value : "";
  const reason = refusedSedCommand(script);
  return reason ? { argument: script, reason } : undefined;
}

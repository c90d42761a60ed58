import { basename, dirname, join } from "node:path";
import { optionalValue, refused, table } from "../option-table.js";
import { parseOptions, type ParsedArgument } from "../parse-options.js";
import { getoptProgram, pathArguments, type ProgramDescription } from "../program.js";
import { refusedSedCommand } from "./sed-script.js";

const UNSEEN_SCRIPT = "the script in a file cannot be checked; give it with -e";

const SED_OPTIONS = table({
  flags: "nErsuzb",
  values: "el",
  short: { f: refused(UNSEEN_SCRIPT), i: optionalValue },
  longFlags: ["help", "version", "quiet", "silent", "debug", "posix", "regexp-extended", "separate", "sandbox", "unbuffered", "null-data", "zero-terminated", "binary", "follow-symlinks"],
  longValues: ["expression", "line-length"],
  long: { file: refused(UNSEEN_SCRIPT), "in-place": optionalValue },
});

/** GNU sed: scripts from -e (or the first operand) whose commands neither run programs nor touch named files. */
export const sed: ProgramDescription = {
  ...getoptProgram(["sed", "gsed"], SED_OPTIONS, checkScript),
  // The script (the first operand, unless -e gave it) is text; the files are paths.
  paths(args) {
    const result = parseOptions(args, SED_OPTIONS);
    return result.ok ? pathArguments(result.parsed, expressionsOf(result.parsed).length > 0 ? 0 : 1) : [];
  },
  // -i/--in-place rewrites each file (a new file renamed over it), and with a suffix keeps the old one as a backup.
  writes(args) {
    const result = parseOptions(args, SED_OPTIONS);
    if (!result.ok) return [];
    const inPlace = result.parsed.filter((item) => item.kind === "option" && (item.name === "-i" || item.name === "--in-place"));
    if (inPlace.length === 0) return [];
    const last = inPlace.at(-1);
    const suffix = last?.kind === "option" ? last.value : undefined;
    const files = pathArguments(result.parsed, expressionsOf(result.parsed).length > 0 ? 0 : 1).filter((file) => file.path !== "-");
    return files.flatMap((file) => [{ argument: file.argument, chain: [file.path] }, ...backups(file.path, suffix).map((backup) => ({ argument: last?.kind === "option" ? last.argument : file.argument, chain: [backup] }))]);
  },
};

/**
 * Where GNU sed puts the backup of FILE for `-iSUFFIX`: FILE with SUFFIX added, or, when SUFFIX holds a
 * `*`, SUFFIX with each `*` replaced by FILE's base name (which may name another folder: `-i'bak/*'`),
 * judged both in FILE's folder and in the working directory.
 */
function backups(file: string, suffix: string | undefined): string[] {
  if (suffix === undefined || suffix === "" || suffix === "*") return [];
  if (!suffix.includes("*")) return [`${file}${suffix}`];
  const named = suffix.replaceAll("*", basename(file));
  return [join(dirname(file), named), named];
}

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

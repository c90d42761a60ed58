import { refused, table } from "../option-table.js";
import type { ParsedArgument } from "../parse-options.js";
import { parseOptions } from "../parse-options.js";
import { getoptProgram, pathArguments, type ProgramDescription } from "../program.js";
import { refusedAwkConstruct, refusedAwkReading } from "./awk-program.js";

const UNSEEN_PROGRAM = "a program from a file cannot be checked; give it as the first argument";

const AWK_OPTIONS = table({
    values: "Fv",
    short: { f: refused(UNSEEN_PROGRAM), e: refused(UNSEEN_PROGRAM), E: refused(UNSEEN_PROGRAM), i: refused(UNSEEN_PROGRAM), l: refused("it loads compiled code"), W: refused("mawk's -W options run or dump programs") },
    longFlags: ["help", "version", "sandbox", "posix", "traditional", "characters-as-bytes", "re-interval", "bignum", "use-lc-numeric"],
    longValues: ["field-separator", "assign"],
    long: { file: refused(UNSEEN_PROGRAM), source: refused(UNSEEN_PROGRAM), exec: refused(UNSEEN_PROGRAM), include: refused(UNSEEN_PROGRAM), load: refused("it loads compiled code") },
});

/**
 * awk (gawk, mawk, busybox): a program given as the first operand, which neither runs programs nor writes
 * files; with no sandbox, nor opens a file its arguments do not name.
 */
export const awk: ProgramDescription = {
  ...getoptProgram(["awk", "gawk", "mawk", "nawk"], AWK_OPTIONS, checkProgram),
  // The program (the first operand: -f is refused) is text; the files after it are paths.
  paths(args) {
    const result = parseOptions(args, AWK_OPTIONS);
    return result.ok ? pathArguments(result.parsed, 1) : [];
  },
  unsandboxed(args) {
    const result = parseOptions(args, AWK_OPTIONS);
    const program = result.ok ? result.parsed.find((item) => item.kind === "operand") : undefined;
    if (program?.kind !== "operand") return undefined;
    const reason = refusedAwkReading(program.value);
    return reason ? { argument: program.value, reason } : undefined;
  },
};

function checkProgram(parsed: ParsedArgument[]): { argument: string; reason: string } | undefined {
  const program = parsed.find((item) => item.kind === "operand");
  if (program?.kind !== "operand") return undefined;
  const reason = refusedAwkConstruct(program.value);
  return reason ? { argument: program.value, reason } : undefined;
}

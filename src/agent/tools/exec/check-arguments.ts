import { parseOptions, type Refusal } from "./parse-options.js";
import type { ProgramDescription } from "./program.js";
import { awk } from "./programs/awk.js";
import { coreutils } from "./programs/coreutils.js";
import { find } from "./programs/find.js";
import { git } from "./programs/git.js";
import { grep, rg } from "./programs/grep.js";
import { sed } from "./programs/sed.js";
import { tar } from "./programs/tar.js";
import { PLAIN_OPTIONS, writeTargets } from "./write-targets.js";

const DESCRIPTIONS: readonly ProgramDescription[] = [git, tar, sed, awk, find, grep, rg, ...coreutils];

/** The description hearth has for a program (by its base name), if any. */
export function describedProgram(name: string): ProgramDescription | undefined {
  const base = name.replace(/\.exe$/i, "");
  return DESCRIPTIONS.find((description) => description.names.includes(base));
}

export interface CheckArgumentsOptions {
  /** The program's base name (`git` for `/usr/bin/git`). */
  program: string;
  args: readonly string[];
  /** `tools.exec.allowUnknownOptions`: a program without a description may take `-` arguments. */
  allowUnknownOptions?: boolean | undefined;
}

/**
 * The first argument exec refuses for this program, with the reason; undefined when all may run.
 * A described program takes only what its description allows; cp, mv, mkdir, touch, rm and rmdir the
 * plain options write-targets.ts reads (PLAIN_OPTIONS: `mkdir -p`, `cp -r`); any other program takes
 * only arguments that start with no `-` (an option could make it run something else) unless the config
 * opts in.
 */
export function refusedArgument(options: CheckArgumentsOptions): Refusal | undefined {
  const description = describedProgram(options.program);
  if (description) return description.check(options.args);
  if (options.allowUnknownOptions) return undefined;
  const option = options.args.find((argument) => argument.startsWith("-"));
  if (option === undefined) return undefined;
  const plain = PLAIN_OPTIONS[options.program.replace(/\.exe$/i, "")];
  if (!plain) return { argument: option, reason: `exec knows no options of ${options.program}; arguments starting with "-" need tools.exec.allowUnknownOptions` };
  const parsed = parseOptions(options.args, plain);
  if (parsed.ok) return undefined;
  const letters = Object.keys(plain.short).map((letter) => `-${letter}`);
  const names = Object.keys(plain.long).map((name) => `--${name}`);
  return { argument: parsed.refusal.argument, reason: `without tools.exec.allowUnknownOptions ${options.program} takes only ${[...letters, ...names].join(", ")} (${parsed.refusal.reason})` };
}

/**
 * Whether exec cannot tell what the program writes: it has no description and no write-target table
 * (unzip, patch, cpio, rsync, an interpreter or shell), so its input may decide, unseen.
 */
export function writesUnknown(program: string): boolean {
  const base = program.replace(/\.exe$/i, "");
  return writeTargets(base, [], describedProgram(base)).every;
}

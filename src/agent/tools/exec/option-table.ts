/** How an option takes its value: never, always (attached or the next argument), or only attached. */
export type Arity = "none" | "required" | "optional";

/**
 * One option a program knows. `refused` says why hearth never lets it through (it is listed so that an
 * abbreviation or a bundle that means it is recognised); `check` refuses some values of an allowed one.
 */
export interface OptionRule {
  arity: Arity;
  /** Its value names a file or folder the program opens (`grep -f FILE`, `tar -C DIR`); any other value is text (a pattern, a format, a count). */
  path?: boolean | undefined;
  refused?: string | undefined;
  check?: ((value: string) => string | undefined) | undefined;
}

/** The options of one program (or one git subcommand), as its own parser reads them. */
export interface OptionTable {
  /** Single-letter options (`-x`), bundled (`-xvf`) and with attached values (`-OCMD`). */
  short: Readonly<Record<string, OptionRule>>;
  /** Long options without their dashes (`--name`, `--name=value`, `--name value`). */
  long: Readonly<Record<string, OptionRule>>;
  /** The program's parser accepts any unambiguous prefix of a long option (GNU getopt_long, git). */
  abbreviations: boolean;
  /** `-5` means a count (git log, head, tail). */
  numericShort?: boolean | undefined;
  /** tar's traditional form: a first argument without a dash is a bundle of letters (`tar xf a.tar`). */
  oldStyleFirstArgument?: boolean | undefined;
}

export const RUNS_PROGRAMS = "it runs other programs";
/** An option that writes a file exec does not judge as a write (check-writes.ts judges only what a description's `writes` names). */
export const WRITES_FILES = "it writes files exec cannot check; with no sandbox exec writes only what it can judge to lie inside the working directory";
/** A written path that leaves the working directory as written. */
export const WRITES_OUTSIDE = "it writes files outside the working directory";
/** `--files0-from`, `file -f`: the files it reads are named inside another file, where exec cannot check them. */
export const NAMES_IN_FILE = "it reads files named inside another file, which exec cannot check; name the files as arguments";

export const flag: OptionRule = { arity: "none" };
export const value: OptionRule = { arity: "required" };
export const pathValue: OptionRule = { arity: "required", path: true };
export const optionalValue: OptionRule = { arity: "optional" };
export const refused = (reason: string, arity: Arity = "required"): OptionRule => ({ arity, refused: reason });
export const checked = (check: (value: string) => string | undefined): OptionRule => ({ arity: "required", check });
/** A path value (`--directory`, `-T`) some of whose values are refused. */
export const checkedPath = (check: (value: string) => string | undefined): OptionRule => ({ arity: "required", path: true, check });

/** A table from compact lists: names of flags, of options with a value (a path among them in `pathValues`), and refused ones. */
export function table(spec: {
  flags?: string;
  values?: string;
  pathValues?: string;
  longPathValues?: readonly string[];
  longFlags?: readonly string[];
  longValues?: readonly string[];
  longOptional?: readonly string[];
  short?: Record<string, OptionRule>;
  long?: Record<string, OptionRule>;
  abbreviations?: boolean;
  numericShort?: boolean;
  oldStyleFirstArgument?: boolean;
}): OptionTable {
  const short: Record<string, OptionRule> = {};
  for (const letter of spec.flags ?? "") short[letter] = flag;
  for (const letter of spec.values ?? "") short[letter] = value;
  for (const letter of spec.pathValues ?? "") short[letter] = pathValue;
  Object.assign(short, spec.short);
  const long: Record<string, OptionRule> = {};
  for (const name of spec.longFlags ?? []) long[name] = flag;
  for (const name of spec.longValues ?? []) long[name] = value;
  for (const name of spec.longPathValues ?? []) long[name] = pathValue;
  for (const name of spec.longOptional ?? []) long[name] = optionalValue;
  Object.assign(long, spec.long);
  return { short, long, abbreviations: spec.abbreviations ?? true, numericShort: spec.numericShort, oldStyleFirstArgument: spec.oldStyleFirstArgument };
}

/** A path the program will write or change: relative and inside the working directory. */
export function insideWorkingDirectory(path: string): string | undefined {
  if (path === "-") return undefined;
  if (path.startsWith("/") || path.startsWith("~") || /^[A-Za-z]:/.test(path) || path.startsWith("\\")) return `${WRITES_OUTSIDE} (give a path relative to it)`;
  if (path.split(/[/\\]/).includes("..")) return `${WRITES_OUTSIDE} (".." leaves it)`;
  return undefined;
}

import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { locatePaths, positionOf, type ConfigPath, type TextPosition } from "./json5-locate.js";
import { maskRandomTokens, maskUrlCredentials } from "./mask-excerpt.js";
import type { HearthConfig } from "./schema/index.js";
import { describePath, formatPath, type WrittenKeys } from "./written-keys.js";

export { formatPath } from "./written-keys.js";

/** One thing wrong (or doubtful) in a config, found at any stage after parsing. */
export interface ConfigProblem {
  severity: "error" | "warning";
  /** In the substituted config's terms (`models.providers.acme` for a key written `"${MY_PROVIDER}"`), unless pathAsWritten. */
  path: ConfigPath;
  message: string;
  /** The path is the file's own (found on the text, or before substitution): named and located as it is. */
  pathAsWritten?: boolean;
}

/** What a problem is named and located by: its path, and whether that is already as the file writes it. */
export type ProblemPlace = Pick<ConfigProblem, "path" | "pathAsWritten">;

/**
 * What of a rejected config could still be checked: the config with every part that failed left out
 * (defaults in their place), so that the references in the rest (models, aliases, fallbacks, agents)
 * are checked in the same run instead of after the first fix.
 */
export interface PartialConfig {
  config: HearthConfig;
  /** Problems the schema found only once the failing parts were out (checks of a whole, such as a channel's agent). */
  problems: ConfigProblem[];
  /** A path in `config` (array items left out shift the later ones) → the same place in the file. */
  originalPath(path: ConfigPath): ConfigPath;
  /** True for a problem (its path in the file's terms) that the parts left out may have caused: never report those. */
  followsFrom(problem: ConfigProblem): boolean;
}

/** The config text a problem can point into; absent when hearth runs on built-in defaults. */
export interface ConfigSource {
  file: string;
  text: string;
  /** The keys the text writes with `${VAR}` (set once substituted): problems name and locate them as written. */
  keys?: WrittenKeys | undefined;
}

/**
 * A path of the substituted config as a message names it: as the file writes it, with what each
 * `${VAR}` key became. Every path a config problem prints goes through here (or ProblemLocator).
 */
export function configPathName(path: ConfigPath, source: ConfigSource | undefined): string {
  return describePath(path, source?.keys);
}

/** Adds "file:line:column" to each problem where the text locates it, and names its path as the file writes it. */
export class ProblemLocator {
  private positions: Map<string, TextPosition> | undefined;

  constructor(private readonly source: ConfigSource | undefined) {}

  position(place: ProblemPlace): TextPosition | undefined {
    if (!this.source) return undefined;
    this.positions ??= locatePaths(this.source.text);
    return positionOf(this.positions, this.written(place));
  }

  where(place: ProblemPlace): string {
    if (!this.source) return "";
    const position = this.position(place);
    return position ? `${this.source.file}:${position.line}:${position.column}` : this.source.file;
  }

  /** The path as the file writes it, with what each `${VAR}` key in it became. */
  name(place: ProblemPlace): string {
    return place.pathAsWritten ? formatPath(place.path) : configPathName(place.path, this.source);
  }

  /** Errors first, each group in the order of the file. */
  sort(problems: readonly ConfigProblem[]): ConfigProblem[] {
    const rank = (problem: ConfigProblem): number => {
      const position = this.position(problem);
      return (problem.severity === "error" ? 0 : 1e9) + (position ? position.line * 1e4 + position.column : 0);
    };
    return [...problems].sort((a, b) => rank(a) - rank(b));
  }

  format(problem: ConfigProblem): string {
    const where = this.where(problem);
    const label = problem.severity === "warning" ? "warning: " : "";
    // Keys and values from the file are echoed here: their control characters are shown, not obeyed.
    // A key pasted into the wrong field (or as a key) is echoed by its error: masked like an excerpt's.
    return escapeControlCharacters(`${where ? `${where}: ` : ""}${label}${maskUrlCredentials(maskRandomTokens(`${this.name(problem)}: ${problem.message}`))}`);
  }

  private written(place: ProblemPlace): ConfigPath {
    return place.pathAsWritten || !this.source?.keys ? place.path : this.source.keys.written(place.path);
  }
}

/** A config error carrying every problem at once, each on its own line. */
export class ConfigProblemsError extends HearthError {
  constructor(
    readonly source: ConfigSource | undefined,
    readonly problems: readonly ConfigProblem[],
    /** What of a config the schema rejected could still be checked further (salvageConfig). */
    readonly partial?: PartialConfig | undefined,
  ) {
    const locator = new ProblemLocator(source);
    const errors = problems.filter((problem) => problem.severity === "error");
    const name = source ? source.file : "the config";
    const count = errors.length === 1 ? "1 problem" : `${errors.length} problems`;
    super("config", escapeControlCharacters(`${name} has ${count}:`), locator.sort(problems).map((problem) => locator.format(problem)));
  }
}

export function configProblemsError(source: ConfigSource | undefined, problems: readonly ConfigProblem[], partial?: PartialConfig): ConfigProblemsError {
  return new ConfigProblemsError(source, problems, partial);
}

import { HearthError } from "../shared/errors.js";
import { escapeControlCharacters } from "../shared/text.js";
import { locatePaths, positionOf, type ConfigPath, type TextPosition } from "./json5-locate.js";
import { maskRandomTokens } from "./mask-excerpt.js";
import type { HearthConfig } from "./schema/index.js";

/** One thing wrong (or doubtful) in a config, found at any stage after parsing. */
export interface ConfigProblem {
  severity: "error" | "warning";
  path: ConfigPath;
  message: string;
}

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
}

const SECRET_KEY = /(api[-_]?key|token|secret|password|passphrase|authorization|cookie)$/i;

/** True where a value at this path is a secret that must never be printed. */
export function isSecretPath(path: ConfigPath): boolean {
  return path.some((segment) => typeof segment === "string" && SECRET_KEY.test(segment));
}

/** `models.providers.lmstudio.models[0].id`; keys that are not plain names are quoted: `models["a/b"]`. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === "" ? "(top level)" : out;
}

/** Adds "file:line:column" to each problem where the text locates it. */
export class ProblemLocator {
  private positions: Map<string, TextPosition> | undefined;

  constructor(private readonly source: ConfigSource | undefined) {}

  position(path: ConfigPath): TextPosition | undefined {
    if (!this.source) return undefined;
    this.positions ??= locatePaths(this.source.text);
    return positionOf(this.positions, path);
  }

  where(path: ConfigPath): string {
    if (!this.source) return "";
    const position = this.position(path);
    return position ? `${this.source.file}:${position.line}:${position.column}` : this.source.file;
  }

  /** Errors first, each group in the order of the file. */
  sort(problems: readonly ConfigProblem[]): ConfigProblem[] {
    const rank = (problem: ConfigProblem): number => {
      const position = this.position(problem.path);
      return (problem.severity === "error" ? 0 : 1e9) + (position ? position.line * 1e4 + position.column : 0);
    };
    return [...problems].sort((a, b) => rank(a) - rank(b));
  }

  format(problem: ConfigProblem): string {
    const where = this.where(problem.path);
    const label = problem.severity === "warning" ? "warning: " : "";
    // Keys and values from the file are echoed here: their control characters are shown, not obeyed.
    // A key pasted into the wrong field (or as a key) is echoed by its error: masked like an excerpt's.
    return escapeControlCharacters(`${where ? `${where}: ` : ""}${label}${maskRandomTokens(`${formatPath(problem.path)}: ${problem.message}`)}`);
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
